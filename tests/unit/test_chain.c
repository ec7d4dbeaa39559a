/*
 * tests/unit/test_chain.c: the close chain of options version 2 against the
 * fake (include/terminus/terminate.h, "Close-chain steps"; the policy is
 * lib/core/chain.c): each step missing, failing, refused and slow; each
 * step's share of the grace; unreachable targets killed (or, under
 * NO_FORCE, failed) at once; the detail array; the progress events, their
 * order, and callbacks that call terminus or take long; every bad input of
 * the version-2 members; version-1 callers and version-1 shim tables.
 */
#include "fixture.h"

#define GRACE_MS 2000u
#define MS(ms)   ((uint64_t)(ms)*1000u)

#define M   TERMINUS_STEP_MESSAGE
#define C   TERMINUS_STEP_CLOSE
#define CO  TERMINUS_STEP_CONSOLE
#define INT TERMINUS_STEP_SIGINT
#define HUP TERMINUS_STEP_SIGHUP

/* The bit number of a one-bit step: its index in terminus_detail's arrays. */
static unsigned bit(uint32_t step)
{
    unsigned b = 0;

    while (b < 31 && step != 1u << b)
        b++;
    return b;
}

/* ------------------------------------------------------------------------ */
/* Recording the progress events                                            */

#define MAX_EVENTS 128

typedef struct rec {
    terminus_progress ev[MAX_EVENTS];
    size_t n;
    /* what some tests make the callback do */
    terminus_fake *fake;    /* advance this fake's clock ... */
    uint64_t advance_us;    /* ... by this much ... */
    uint32_t advance_on;    /* ... on the STEP event of this step (0: on none) */
    terminus_pid reach_pid; /* set this pid's reach to reach_to on the first STEP OK */
    uint32_t reach_to;
    terminus_ctx *inner; /* terminate inner_pid on this context from each event */
    terminus_pid inner_pid;
    int inner_rc;
} rec;

static void on_progress(void *arg, const terminus_progress *p)
{
    rec *r = arg;

    if (r->n < MAX_EVENTS)
        r->ev[r->n++] = *p;
    if (r->fake != NULL && p->event == TERMINUS_PROGRESS_STEP && p->step == r->advance_on &&
        p->status == TERMINUS_OK)
        CHECK_RC(terminus_fake_advance(r->fake, r->advance_us), TERMINUS_OK);
    if (r->reach_pid != 0 && p->event == TERMINUS_PROGRESS_STEP && p->status == TERMINUS_OK) {
        CHECK_RC(terminus_fake_process_set_reach(r->fake, r->reach_pid, r->reach_to), TERMINUS_OK);
        r->reach_pid = 0;
    }
    if (r->inner != NULL) {
        /* Anything that does not wait, and even a whole terminate elsewhere. */
        CHECK(terminus_error_last() != NULL);
        CHECK(terminus_strerror(p->status) != NULL);
        r->inner_rc = terminus_terminate(r->inner, r->inner_pid, NULL, NULL);
    }
}

static void rec_init(rec *r)
{
    memset(r, 0, sizeof *r);
}

static int event_is(const rec *r, size_t k, size_t index, int32_t event, uint32_t step,
                    int32_t status, uint64_t at_us)
{
    const terminus_progress *p;

    if (!CHECK(k < r->n))
        return 0;
    p = &r->ev[k];
    return CHECK_EQ(p->index, index) & CHECK_EQ(p->event, event) & CHECK_EQ(p->step, step) &
           CHECK_RC(p->status, status) & CHECK_EQ(p->at_us, at_us);
}

/* Version-2 options with a grace, progress into `r` (may be NULL) and the
 * detail array `d` of n entries (may be NULL). */
static terminus_terminate_options v2(uint32_t flags, uint32_t grace_ms, rec *r, terminus_detail *d,
                                     size_t n)
{
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT_V2;

    o.flags = flags;
    o.grace_ms = grace_ms;
    o.forced_exit_code = 9;
    if (r != NULL) {
        o.progress = on_progress;
        o.progress_arg = r;
    }
    o.details = d;
    o.details_count = n;
    return o;
}

static void fx_reach(fx *f, terminus_pid pid, uint32_t reach)
{
    REQUIRE_RC(terminus_fake_process_set_reach(f->fake, pid, reach), TERMINUS_OK);
}

static uint32_t step_count(fx *f, terminus_pid pid, uint32_t step)
{
    uint32_t n = 99;

    REQUIRE_RC(terminus_fake_process_step_count(f->fake, pid, step, &n), TERMINUS_OK);
    return n;
}

/* ------------------------------------------------------------------------ */
/* Each step's share of the grace                                          */

/* The target leaves on CLOSE, its second step: the message at 0, the close
 * at grace / 2 (k = 2: no console reaches it), the end 100 ms later. */
static void leaves_on_close_after_message(void)
{
    fx f;
    rec ev;
    terminus_detail d;
    terminus_result r = fx_garbage_result();
    terminus_terminate_options o;

    fx_open(&f);
    rec_init(&ev);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_reach(&f, 42, M | C);
    REQUIRE_RC(terminus_fake_process_exit_on(f.fake, 42, C, 100, 5), TERMINUS_OK);
    o = v2(0, GRACE_MS, &ev, &d, 1);
    CHECK_RC(terminus_terminate(f.ctx, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r.exit_code, 5);
    CHECK_EQ(r.elapsed_us, MS(GRACE_MS / 2 + 100));
    CHECK_EQ(terminus_fake_now_us(f.fake), MS(GRACE_MS / 2 + 100));
    CHECK_EQ(d.ended_by, C);
    CHECK_EQ(d.reach, M | C);
    CHECK_EQ(d.sent, M | C);
    CHECK_EQ(d.skipped, CO);
    CHECK_RC(d.step_status[bit(M)], TERMINUS_OK);
    CHECK_RC(d.step_status[bit(C)], TERMINUS_OK);
    CHECK_RC(d.step_status[bit(CO)], TERMINUS_E_UNREACHABLE);
    CHECK_EQ(d.step_at_us[bit(M)], 0);
    CHECK_EQ(d.step_at_us[bit(C)], MS(GRACE_MS / 2));
    CHECK_EQ(d.step_at_us[bit(CO)], 0);
    CHECK_EQ(d.kill_at_us, 0);
    CHECK_EQ(ev.n, 4);
    event_is(&ev, 0, 0, TERMINUS_PROGRESS_STEP, CO, TERMINUS_E_UNREACHABLE, 0);
    event_is(&ev, 1, 0, TERMINUS_PROGRESS_STEP, M, TERMINUS_OK, 0);
    event_is(&ev, 2, 0, TERMINUS_PROGRESS_STEP, C, TERMINUS_OK, MS(GRACE_MS / 2));
    event_is(&ev, 3, 0, TERMINUS_PROGRESS_ENDED, 0, TERMINUS_OK, MS(GRACE_MS / 2 + 100));
    CHECK_EQ(ev.ev[3].outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(ev.ev[3].pid, 42);
    CHECK_EQ(step_count(&f, 42, M), 1);
    CHECK_EQ(step_count(&f, 42, C), 1);
    CHECK_EQ(step_count(&f, 42, CO), 0);
    CHECK_EQ(fx_calls(&f, "process_reach"), 1);
    CHECK_EQ(fx_calls(&f, "process_step"), 2);
    CHECK(!fx_log_contains(&f, "process_step(42, 0x4"));
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    fx_close(&f);
}

/* Three steps, in bit order whatever order the caller wrote them in, at 0,
 * grace / 3 and 2 * grace / 3; the stubborn one is killed at the grace. */
static void steps_in_bit_order_with_shares(void)
{
    fx f;
    terminus_detail d[2];
    terminus_result r[2];
    terminus_terminate_options o;
    const terminus_pid pids[2] = { 42, 43 };

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 43, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_process_exit_on(f.fake, 43, HUP, 10, 4), TERMINUS_OK);
    o = v2(0, 3000, NULL, d, 2);
    o.steps = HUP | M | INT;
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 2, &o, r), TERMINUS_OK);
    CHECK_EQ(r[0].outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r[0].elapsed_us, MS(3000));
    CHECK_EQ(d[0].sent, M | INT | HUP);
    CHECK_EQ(d[0].skipped, 0);
    CHECK_EQ(d[0].ended_by, TERMINUS_ENDED_KILL);
    CHECK_EQ(d[0].step_at_us[bit(M)], 0);
    CHECK_EQ(d[0].step_at_us[bit(INT)], MS(1000));
    CHECK_EQ(d[0].step_at_us[bit(HUP)], MS(2000));
    CHECK_EQ(d[0].kill_at_us, MS(3000));
    CHECK_EQ(r[1].outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r[1].exit_code, 4);
    CHECK_EQ(r[1].elapsed_us, MS(2010));
    CHECK_EQ(d[1].ended_by, HUP);
    CHECK_EQ(d[1].kill_at_us, 0);
    CHECK(fx_log_contains(&f, "process_reach(2 procs, 0x19, 0x0, "));
    CHECK_EQ(terminus_fake_now_us(f.fake), MS(3000));
    fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Each step missing, failing, refused, slow                                */

/* A step that cannot reach the target is skipped at once: the other two
 * share the grace (0 and grace / 2), and it is never sent. */
static void each_step_missing(void)
{
    static const uint32_t steps[] = { M, C, CO };

    for (size_t s = 0; s < 3; s++) {
        fx f;
        rec ev;
        terminus_detail d;
        terminus_result r;
        terminus_terminate_options o;
        uint32_t chain = (M | C | CO) & ~steps[s];
        uint32_t first = chain & (0u - chain), second = chain & ~first;

        fx_open(&f);
        rec_init(&ev);
        fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
        fx_reach(&f, 42, chain);
        o = v2(0, GRACE_MS, &ev, &d, 1);
        CHECK_RC(terminus_terminate(f.ctx, 42, &o, &r), TERMINUS_OK);
        CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
        CHECK_EQ(r.elapsed_us, MS(GRACE_MS));
        CHECK_EQ(d.reach, chain);
        CHECK_EQ(d.sent, chain);
        CHECK_EQ(d.skipped, steps[s]);
        CHECK_RC(d.step_status[bit(steps[s])], TERMINUS_E_UNREACHABLE);
        CHECK_EQ(d.step_at_us[bit(first)], 0);
        CHECK_EQ(d.step_at_us[bit(second)], MS(GRACE_MS / 2));
        CHECK_EQ(step_count(&f, 42, steps[s]), 0);
        CHECK_EQ(fx_calls(&f, "process_step"), 2);
        /* skipped at once: its event comes first, at 0 */
        event_is(&ev, 0, 0, TERMINUS_PROGRESS_STEP, steps[s], TERMINUS_E_UNREACHABLE, 0);
        event_is(&ev, 1, 0, TERMINUS_PROGRESS_STEP, first, TERMINUS_OK, 0);
        event_is(&ev, 2, 0, TERMINUS_PROGRESS_STEP, second, TERMINUS_OK, MS(GRACE_MS / 2));
        event_is(&ev, 3, 0, TERMINUS_PROGRESS_KILL, 0, TERMINUS_OK, MS(GRACE_MS));
        event_is(&ev, 4, 0, TERMINUS_PROGRESS_ENDED, 0, TERMINUS_OK, MS(GRACE_MS));
        CHECK_EQ(ev.n, 5);
        fx_close(&f);
    }
}

/* A step whose sending fails (a fault of process_step) is skipped and the
 * next goes out at once, not at its own time: with k = 3 and the close
 * failing at grace / 3, the console goes out at grace / 3 too. The first
 * failing: the second goes out at 0, the third at 2 * grace / 3. */
static void each_step_failing(void)
{
    static const struct {
        uint32_t nth;   /* the process_step call that fails */
        uint32_t step;  /* the step it is */
        uint64_t at[3]; /* when M, C, CO went out (those sent) */
    } cases[] = {
        { 1, M, { 0, 0, MS(2000) } },
        { 2, C, { 0, 0, MS(1000) } },
        { 3, CO, { 0, MS(1000), 0 } },
    };

    for (size_t k = 0; k < 3; k++) {
        fx f;
        terminus_detail d;
        terminus_result r;
        terminus_terminate_options o = v2(0, 3000, NULL, &d, 1);
        static const uint32_t all[3] = { M, C, CO };

        fx_open(&f);
        fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
        fx_reach(&f, 42, M | C | CO);
        REQUIRE_RC(terminus_fake_fail(f.fake, "process_step", cases[k].nth, 0, TERMINUS_E_OS, 77),
                   TERMINUS_OK);
        CHECK_RC(terminus_terminate(f.ctx, 42, &o, &r), TERMINUS_OK);
        CHECK_EQ(terminus_fake_faults_fired(f.fake), 1);
        CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
        CHECK_EQ(r.elapsed_us, MS(3000));
        CHECK_EQ(d.sent, (M | C | CO) & ~cases[k].step);
        CHECK_EQ(d.skipped, cases[k].step);
        CHECK_RC(d.step_status[bit(cases[k].step)], TERMINUS_E_OS);
        for (size_t s = 0; s < 3; s++) {
            if (all[s] != cases[k].step)
                CHECK_EQ(d.step_at_us[bit(all[s])], cases[k].at[s]);
        }
        CHECK_EQ(d.kill_at_us, MS(3000));
        fx_close(&f);
    }
}

/* Refused steps (UIPI): skipped like a failing one; the refused step does
 * not arrive. When every step is refused, none went out: killed at once;
 * under NO_FORCE the target fails with E_ACCESS_DENIED, at once. */
static void step_denied(void)
{
    fx f;
    rec ev;
    terminus_detail d;
    terminus_result r;
    terminus_terminate_options o = v2(0, 3000, &ev, &d, 1);

    fx_open(&f);
    rec_init(&ev);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_reach(&f, 42, M | C | CO);
    REQUIRE_RC(terminus_fake_process_deny_step(f.fake, 42, C), TERMINUS_OK);
    CHECK_RC(terminus_terminate(f.ctx, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(d.sent, M | CO);
    CHECK_EQ(d.reach, M | C | CO); /* the window is there: the post is refused */
    CHECK_RC(d.step_status[bit(C)], TERMINUS_E_ACCESS_DENIED);
    CHECK_EQ(d.step_at_us[bit(CO)], MS(1000));
    CHECK_EQ(step_count(&f, 42, C), 0);
    event_is(&ev, 1, 0, TERMINUS_PROGRESS_STEP, C, TERMINUS_E_ACCESS_DENIED, MS(1000));
    event_is(&ev, 2, 0, TERMINUS_PROGRESS_STEP, CO, TERMINUS_OK, MS(1000));
    fx_close(&f);

    /* every step refused */
    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_reach(&f, 42, M | C | CO);
    REQUIRE_RC(terminus_fake_process_deny_step(f.fake, 42, M | C | CO), TERMINUS_OK);
    o = v2(TERMINUS_TERMINATE_NO_FORCE, 3000, NULL, &d, 1);
    CHECK_RC(terminus_terminate(f.ctx, 42, &o, &r), TERMINUS_E_ACCESS_DENIED);
    CHECK_ERROR(TERMINUS_E_ACCESS_DENIED, "pid 42");
    CHECK_ERROR(TERMINUS_E_ACCESS_DENIED, "UIPI");
    CHECK_EQ(terminus_error_last()->os_code, 5);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_EQ(d.ended_by, TERMINUS_ENDED_NONE);
    CHECK_EQ(d.sent, 0);
    CHECK_EQ(d.skipped, M | C | CO);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    o = v2(0, 3000, NULL, &d, 1);
    CHECK_RC(terminus_terminate(f.ctx, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.elapsed_us, 0);
    CHECK_EQ(d.ended_by, TERMINUS_ENDED_KILL);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    fx_close(&f);
}

/* Slow steps (each process_step costs 30 ms): the window opens when the
 * batch's first steps are out (60 ms for two targets), each later step is
 * timed from there, and each target from its own first step. */
static void step_slow(void)
{
    fx f;
    terminus_detail d[2];
    terminus_result r[2];
    const terminus_pid pids[2] = { 42, 43 };
    terminus_terminate_options o = v2(0, 1000, NULL, d, 2);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 43, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_reach(&f, 42, M | C);
    fx_reach(&f, 43, M | C);
    REQUIRE_RC(terminus_fake_set_latency(f.fake, "process_step", 30000), TERMINUS_OK);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 2, &o, r), TERMINUS_OK);
    CHECK_EQ(d[0].step_at_us[bit(M)], 0);
    CHECK_EQ(d[1].step_at_us[bit(M)], MS(30));
    /* t0 = 60 ms; the close falls due at 560 ms for both, each costs 30 */
    CHECK_EQ(d[0].step_at_us[bit(C)], MS(560));
    CHECK_EQ(d[1].step_at_us[bit(C)], MS(590));
    CHECK_EQ(d[0].kill_at_us, MS(1060));
    CHECK_EQ(r[0].elapsed_us, MS(1060));
    CHECK_EQ(r[1].elapsed_us, MS(1060 - 30));
    CHECK_EQ(terminus_fake_now_us(f.fake), MS(1060));
    fx_close(&f);
}

/* A step that finds the target gone (E_NOT_FOUND) means it ended: EXITED,
 * ended by the last step that went out. */
static void step_not_found_is_the_end(void)
{
    fx f;
    terminus_detail d;
    terminus_result r;
    terminus_terminate_options o = v2(0, GRACE_MS, NULL, &d, 1);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_reach(&f, 42, M | C);
    REQUIRE_RC(terminus_fake_fail(f.fake, "process_step", 2, 0, TERMINUS_E_NOT_FOUND, 3),
               TERMINUS_OK);
    CHECK_RC(terminus_terminate(f.ctx, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(d.ended_by, M);
    CHECK_RC(d.step_status[bit(C)], TERMINUS_E_NOT_FOUND);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    fx_close(&f);
}

/* The reach changes between two steps (its window has gone): the step says
 * E_UNREACHABLE, is skipped, and the rest of the policy goes on. */
static void reach_lost_between_steps(void)
{
    fx f;
    rec ev;
    terminus_detail d;
    terminus_result r;
    terminus_terminate_options o = v2(0, GRACE_MS, &ev, &d, 1);

    fx_open(&f);
    rec_init(&ev);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_reach(&f, 42, M | C);
    ev.fake = f.fake;
    ev.reach_pid = 42;
    ev.reach_to = M;
    CHECK_RC(terminus_terminate(f.ctx, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(d.reach, M | C);
    CHECK_EQ(d.sent, M);
    CHECK_RC(d.step_status[bit(C)], TERMINUS_E_UNREACHABLE);
    CHECK(
        fx_log_contains(&f, "process_step(42, 0x2, 0x0, \"" TERMINUS_DEFAULT_MESSAGE "\") = -10"));
    fx_close(&f);
}

/* process_reach fails: every step asked for is tried, and a step that
 * cannot reach says so itself. */
static void reach_failure_tries_every_step(void)
{
    fx f;
    terminus_detail d;
    terminus_result r;
    terminus_terminate_options o = v2(0, 3000, NULL, &d, 1);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0); /* reach: the default, M among the asked */
    REQUIRE_RC(terminus_fake_fail(f.fake, "process_reach", 1, 0, TERMINUS_E_OS, 8), TERMINUS_OK);
    CHECK_RC(terminus_terminate(f.ctx, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(terminus_fake_faults_fired(f.fake), 1);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(d.reach, M | C | CO);
    CHECK_EQ(d.sent, M);
    CHECK_RC(d.step_status[bit(C)], TERMINUS_E_UNREACHABLE);
    CHECK_RC(d.step_status[bit(CO)], TERMINUS_E_UNREACHABLE);
    CHECK_EQ(fx_calls(&f, "process_step"), 3);
    fx_close(&f);
}

/* The call's flags reach the backend with each step and the reach. */
static void flags_reach_the_backend(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o =
        v2(TERMINUS_TERMINATE_BROADCAST | TERMINUS_TERMINATE_CTRL_BREAK, 100, NULL, NULL, 0);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0);
    o.message = "my-app-quit";
    CHECK_RC(terminus_terminate(f.ctx, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK(fx_log_contains(&f, "process_reach(1 procs, 0x7, 0xc, \"my-app-quit\") = 0 [0x1]"));
    CHECK(fx_log_contains(&f, "process_step(42, 0x1, 0xc, \"my-app-quit\") = 0"));
    fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Unreachable targets                                                      */

/* No step reaches it: killed at once, no grace waited (the clock moves by
 * no more than the kill wait), its detail all UNREACHABLE, ended by KILL. */
static void unreachable_killed_at_once(void)
{
    fx f;
    rec ev;
    terminus_detail d;
    terminus_result r;
    terminus_terminate_options o = v2(0, 5000, &ev, &d, 1);

    fx_open(&f);
    rec_init(&ev);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_reach(&f, 42, 0);
    CHECK_RC(terminus_terminate(f.ctx, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.exit_code, 9);
    CHECK_EQ(r.elapsed_us, 0);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    CHECK_EQ(d.ended_by, TERMINUS_ENDED_KILL);
    CHECK_EQ(d.reach, 0);
    CHECK_EQ(d.sent, 0);
    CHECK_EQ(d.skipped, M | C | CO);
    for (unsigned b = 0; b < 3; b++)
        CHECK_RC(d.step_status[b], TERMINUS_E_UNREACHABLE);
    CHECK_EQ(fx_calls(&f, "process_step"), 0);
    CHECK_EQ(fx_calls(&f, "process_kill"), 1);
    CHECK_EQ(ev.n, 5);
    event_is(&ev, 0, 0, TERMINUS_PROGRESS_STEP, M, TERMINUS_E_UNREACHABLE, 0);
    event_is(&ev, 1, 0, TERMINUS_PROGRESS_STEP, C, TERMINUS_E_UNREACHABLE, 0);
    event_is(&ev, 2, 0, TERMINUS_PROGRESS_STEP, CO, TERMINUS_E_UNREACHABLE, 0);
    event_is(&ev, 3, 0, TERMINUS_PROGRESS_KILL, 0, TERMINUS_OK, 0);
    event_is(&ev, 4, 0, TERMINUS_PROGRESS_ENDED, 0, TERMINUS_OK, 0);
    CHECK_EQ(ev.ev[4].outcome, TERMINUS_OUTCOME_FORCED);
    fx_close(&f);

    /* one that survives the kill: TIMEOUT after the kill wait alone */
    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_UNKILLABLE, 0, 0);
    fx_reach(&f, 42, 0);
    o = v2(0, 5000, NULL, NULL, 0);
    CHECK_RC(terminus_terminate(f.ctx, 42, &o, &r), TERMINUS_E_TIMEOUT);
    CHECK_EQ(terminus_fake_now_us(f.fake), MS(TERMINUS_KILL_WAIT_MS));
    fx_close(&f);
}

/* Under NO_FORCE: E_UNREACHABLE at once, nothing sent, nothing killed. */
static void unreachable_no_force(void)
{
    fx f;
    terminus_detail d;
    terminus_result r;
    terminus_terminate_options o = v2(TERMINUS_TERMINATE_NO_FORCE, 5000, NULL, &d, 1);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_reach(&f, 42, 0);
    CHECK_RC(terminus_terminate(f.ctx, 42, &o, &r), TERMINUS_E_UNREACHABLE);
    CHECK_ERROR(TERMINUS_E_UNREACHABLE, "pid 42");
    CHECK_ERROR(TERMINUS_E_UNREACHABLE, "reach");
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    CHECK_EQ(fx_calls(&f, "process_step"), 0);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    CHECK_EQ(fx_calls(&f, "wait_any"), 0);
    CHECK_EQ(fx_proc(&f, 42).running, 1);
    CHECK_EQ(d.ended_by, TERMINUS_ENDED_NONE);
    CHECK_EQ(d.skipped, M | C | CO);
    CHECK_RC(d.step_status[bit(M)], TERMINUS_E_UNREACHABLE);
    /* a version-1 caller gets the same */
    {
        terminus_terminate_options v1 = fx_opts(TERMINUS_TERMINATE_NO_FORCE, 5000, 1);
        CHECK_RC(terminus_terminate(f.ctx, 42, &v1, &r), TERMINUS_E_UNREACHABLE);
        CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    }
    fx_close(&f);
}

/* An unreachable target in a batch: killed at once; the reachable one still
 * gets its whole grace. Under NO_FORCE: E_UNREACHABLE at once for the one,
 * TIMEOUT after the whole grace for the other. */
static void mixed_batch(void)
{
    fx f;
    terminus_detail d[3];
    terminus_result r[3];
    const terminus_pid pids[3] = { 20, 21, 22 };
    terminus_terminate_options o = v2(0, GRACE_MS, NULL, d, 3);

    fx_open(&f);
    fx_add(&f, 20, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 21, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 22, TERMINUS_FAKE_EXITS_ON_REQUEST, 1500, 6);
    fx_reach(&f, 20, 0);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 3, &o, r), TERMINUS_OK);
    CHECK_EQ(r[0].outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r[0].elapsed_us, 0);
    CHECK_EQ(d[0].kill_at_us, 0);
    CHECK_EQ(r[1].outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r[1].elapsed_us, MS(GRACE_MS));
    CHECK_EQ(d[1].kill_at_us, MS(GRACE_MS));
    CHECK_EQ(r[2].outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r[2].elapsed_us, MS(1500));
    CHECK_EQ(d[2].ended_by, M);
    CHECK_EQ(terminus_fake_now_us(f.fake), MS(GRACE_MS));
    CHECK_EQ(fx_proc(&f, 20).kills, 1);
    CHECK_EQ(fx_proc(&f, 21).kills, 1);
    fx_close(&f);

    fx_open(&f);
    fx_add(&f, 20, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 21, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 22, TERMINUS_FAKE_EXITS_ON_REQUEST, 1500, 6);
    fx_reach(&f, 20, 0);
    o = v2(TERMINUS_TERMINATE_NO_FORCE, GRACE_MS, NULL, d, 3);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 3, &o, r), TERMINUS_E_UNREACHABLE);
    CHECK_ERROR(TERMINUS_E_UNREACHABLE, "pid 20");
    CHECK_RC(r[0].status, TERMINUS_E_UNREACHABLE);
    CHECK_RC(r[1].status, TERMINUS_E_TIMEOUT);
    CHECK_RC(r[2].status, TERMINUS_OK);
    CHECK_EQ(r[2].outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(terminus_fake_now_us(f.fake), MS(GRACE_MS));
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Progress events                                                          */

/* One of each kind of target: the events in order, times from the start of
 * the call (the clock does not start at 0). */
static void progress_events_in_order(void)
{
    fx f;
    rec ev;
    terminus_result r[3];
    const terminus_pid pids[3] = { 30, 31, 32 };
    terminus_terminate_options o = v2(0, 1000, &ev, NULL, 0);

    fx_open(&f);
    rec_init(&ev);
    fx_add(&f, 30, TERMINUS_FAKE_GONE, 0, 2);
    fx_add(&f, 31, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 32, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_reach(&f, 31, 0);
    fx_reach(&f, 32, M | C);
    REQUIRE_RC(terminus_fake_process_exit_on(f.fake, 32, C, 100, 3), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_advance(f.fake, MS(7000)), TERMINUS_OK);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 3, &o, r), TERMINUS_OK);
    CHECK_EQ(ev.n, 10);
    event_is(&ev, 0, 0, TERMINUS_PROGRESS_ENDED, 0, TERMINUS_OK, 0);
    CHECK_EQ(ev.ev[0].outcome, TERMINUS_OUTCOME_GONE);
    event_is(&ev, 1, 1, TERMINUS_PROGRESS_STEP, M, TERMINUS_E_UNREACHABLE, 0);
    event_is(&ev, 2, 1, TERMINUS_PROGRESS_STEP, C, TERMINUS_E_UNREACHABLE, 0);
    event_is(&ev, 3, 1, TERMINUS_PROGRESS_STEP, CO, TERMINUS_E_UNREACHABLE, 0);
    event_is(&ev, 4, 1, TERMINUS_PROGRESS_KILL, 0, TERMINUS_OK, 0);
    event_is(&ev, 5, 2, TERMINUS_PROGRESS_STEP, CO, TERMINUS_E_UNREACHABLE, 0);
    event_is(&ev, 6, 2, TERMINUS_PROGRESS_STEP, M, TERMINUS_OK, 0);
    event_is(&ev, 7, 1, TERMINUS_PROGRESS_ENDED, 0, TERMINUS_OK, 0);
    CHECK_EQ(ev.ev[7].outcome, TERMINUS_OUTCOME_FORCED);
    event_is(&ev, 8, 2, TERMINUS_PROGRESS_STEP, C, TERMINUS_OK, MS(500));
    event_is(&ev, 9, 2, TERMINUS_PROGRESS_ENDED, 0, TERMINUS_OK, MS(600));
    CHECK_EQ(ev.ev[9].outcome, TERMINUS_OUTCOME_EXITED);
    for (size_t k = 0; k < ev.n; k++)
        CHECK_EQ(ev.ev[k].pid, pids[ev.ev[k].index]);
    fx_close(&f);
}

/* Every target ends once in the events, whatever happened to it; a failure
 * carries its code. FORCE: a kill and an end each, no step. */
static void progress_every_target_ends_once(void)
{
    fx f;
    rec ev;
    terminus_result r[5];
    const terminus_pid pids[5] = { 60, 61, 62, 63, 64 };
    terminus_terminate_options o = v2(0, 1000, &ev, NULL, 0);
    size_t ended[5] = { 0 };

    fx_open(&f);
    rec_init(&ev);
    fx_add(&f, 60, TERMINUS_FAKE_EXITS_ON_REQUEST, 100, 1);
    /* 61: no such process */
    fx_add(&f, 62, TERMINUS_FAKE_DENIED, 0, 0);
    fx_add(&f, 63, TERMINUS_FAKE_KILL_DENIED, 0, 0);
    fx_add(&f, 64, TERMINUS_FAKE_UNKILLABLE, 0, 0);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 5, &o, r), TERMINUS_E_NOT_FOUND);
    for (size_t k = 0; k < ev.n; k++) {
        if (ev.ev[k].event == TERMINUS_PROGRESS_ENDED) {
            ended[ev.ev[k].index]++;
            CHECK_RC(ev.ev[k].status, r[ev.ev[k].index].status);
            CHECK_EQ(ev.ev[k].outcome, r[ev.ev[k].index].outcome);
        } else {
            CHECK_EQ(ended[ev.ev[k].index], 0); /* nothing after the end */
        }
    }
    for (size_t i = 0; i < 5; i++)
        CHECK_EQ(ended[i], 1);
    fx_close(&f);

    fx_open(&f);
    rec_init(&ev);
    fx_add(&f, 60, TERMINUS_FAKE_IGNORES, 0, 0);
    o = v2(TERMINUS_TERMINATE_FORCE, 1000, &ev, NULL, 0);
    o.steps = 0; /* an empty chain is fine with FORCE */
    CHECK_RC(terminus_terminate(f.ctx, 60, &o, r), TERMINUS_OK);
    CHECK_EQ(ev.n, 2);
    event_is(&ev, 0, 0, TERMINUS_PROGRESS_KILL, 0, TERMINUS_OK, 0);
    event_is(&ev, 1, 0, TERMINUS_PROGRESS_ENDED, 0, TERMINUS_OK, 0);
    CHECK_EQ(fx_calls(&f, "process_reach"), 0);
    fx_close(&f);
}

/* A callback that takes longer than the grace (it moves the virtual clock
 * past it): the kill comes right after it, with no extra wait, and the step
 * whose time never came is not sent. One that takes part of the grace does
 * not move the kill either. */
static void slow_callback_cannot_stretch_grace(void)
{
    fx f;
    rec ev;
    terminus_detail d;
    terminus_result r;
    terminus_terminate_options o = v2(0, 1000, &ev, &d, 1);

    fx_open(&f);
    rec_init(&ev);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_reach(&f, 42, M | C);
    ev.fake = f.fake;
    ev.advance_on = M;
    ev.advance_us = MS(1500);
    CHECK_RC(terminus_terminate(f.ctx, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(terminus_fake_now_us(f.fake), MS(1500));
    CHECK_EQ(d.kill_at_us, MS(1500));
    CHECK_EQ(r.elapsed_us, MS(1500));
    CHECK_EQ(d.sent, M);
    CHECK_RC(d.step_status[bit(C)], TERMINUS_E_TIMEOUT);
    CHECK_EQ(fx_calls(&f, "process_step"), 1);
    fx_close(&f);

    fx_open(&f);
    rec_init(&ev);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_reach(&f, 42, M | C);
    ev.fake = f.fake;
    ev.advance_on = C;
    ev.advance_us = MS(300);
    CHECK_RC(terminus_terminate(f.ctx, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(d.step_at_us[bit(C)], MS(500));
    CHECK_EQ(d.kill_at_us, MS(1000));
    CHECK_EQ(terminus_fake_now_us(f.fake), MS(1000));
    fx_close(&f);
}

/* A callback that calls terminus (the error record, even a whole terminate
 * on another context, which fails and overwrites the thread's record): the
 * outer call goes on as if nothing happened and reports its own record. */
static void callback_calls_terminus(void)
{
    fx f, g;
    rec ev;
    terminus_result r[2];
    const terminus_pid pids[2] = { 42, 43 };
    terminus_terminate_options o = v2(TERMINUS_TERMINATE_NO_FORCE, 1000, &ev, NULL, 0);

    fx_open(&f);
    fx_open(&g);
    rec_init(&ev);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 43, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_reach(&f, 43, 0);
    ev.inner = g.ctx;
    ev.inner_pid = 4242; /* not in g: E_NOT_FOUND, with its own record */
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 2, &o, r), TERMINUS_E_TIMEOUT);
    CHECK_RC(ev.inner_rc, TERMINUS_E_NOT_FOUND);
    CHECK(ev.n >= 5);
    CHECK_ERROR(TERMINUS_E_TIMEOUT, "pid 42");
    CHECK_RC(r[1].status, TERMINUS_E_UNREACHABLE);
    CHECK_EQ(terminus_fake_now_us(f.fake), MS(1000));
    /* the inner calls found nothing to do in g */
    CHECK_EQ(fx_calls(&g, "process_open"), ev.n);
    fx_close(&g);
    fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Details                                                                  */

/* One entry per target, in the order of pids, whatever happened; entries
 * past the targets are not touched. */
static void details_for_every_target(void)
{
    fx f;
    terminus_detail d[5];
    terminus_result r[4];
    const terminus_pid pids[4] = { 70, 71, 72, 73 };
    terminus_terminate_options o = v2(0, 1000, NULL, d, 5);

    fx_open(&f);
    fx_add(&f, 70, TERMINUS_FAKE_GONE, 0, 3);
    /* 71: no such process */
    fx_add(&f, 72, TERMINUS_FAKE_DENIED, 0, 0);
    fx_add(&f, 73, TERMINUS_FAKE_EXITS_ON_REQUEST, 200, 4);
    memset(d, 0xAB, sizeof d);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 4, &o, r), TERMINUS_E_NOT_FOUND);
    CHECK_EQ(d[0].ended_by, TERMINUS_ENDED_GONE);
    CHECK_EQ(d[0].sent, 0);
    CHECK_EQ(d[0].skipped, M | C | CO);
    CHECK_RC(d[0].step_status[bit(M)], TERMINUS_E_NOT_FOUND);
    CHECK_EQ(d[1].ended_by, TERMINUS_ENDED_NONE);
    CHECK_RC(d[1].step_status[bit(M)], TERMINUS_E_NOT_FOUND);
    CHECK_EQ(d[2].ended_by, TERMINUS_ENDED_NONE);
    CHECK_RC(d[2].step_status[bit(C)], TERMINUS_E_ACCESS_DENIED);
    CHECK_EQ(d[3].ended_by, M);
    CHECK_EQ(d[3].reach, M);
    CHECK_EQ(d[3].sent, M);
    CHECK_EQ(d[3].skipped, C | CO);
    CHECK_RC(d[3].step_status[bit(C)], TERMINUS_E_UNREACHABLE);
    for (size_t i = 0; i < 4; i++) {
        CHECK_EQ(d[i].kill_at_us, 0);
        for (unsigned b = 3; b < TERMINUS_DETAIL_STEPS; b++) {
            CHECK_RC(d[i].step_status[b], TERMINUS_OK); /* not asked for */
            CHECK_EQ(d[i].step_at_us[b], 0);
        }
    }
    CHECK_EQ(d[4].ended_by, 0xABABABABu);
    CHECK_EQ(d[4].kill_at_us, 0xABABABABABABABABull);

    /* FORCE: nothing asked, ended by the kill */
    o = v2(TERMINUS_TERMINATE_FORCE, 1000, NULL, d, 1);
    fx_add(&f, 74, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_advance(f.fake, MS(5)), TERMINUS_OK);
    CHECK_RC(terminus_terminate(f.ctx, 74, &o, r), TERMINUS_OK);
    CHECK_EQ(d[0].ended_by, TERMINUS_ENDED_KILL);
    CHECK_EQ(d[0].reach, 0);
    CHECK_EQ(d[0].sent, 0);
    CHECK_EQ(d[0].skipped, 0);
    CHECK_EQ(d[0].kill_at_us, 0); /* from the start of the call */
    fx_close(&f);
}

/* A backend that cannot terminate at all: each detail says nothing was
 * sent, with the call's code. */
static void details_when_the_call_fails(void)
{
    fx f;
    terminus_os table;
    terminus_ctx *ctx = NULL;
    terminus_detail d;
    terminus_result r;
    terminus_terminate_options o = v2(0, 1000, NULL, &d, 1);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    table = *terminus_fake_os(f.fake);
    table.process_open = NULL;
    REQUIRE_RC(terminus_ctx_new(&ctx, &table), TERMINUS_OK);
    memset(&d, 0xAB, sizeof d);
    CHECK_RC(terminus_terminate(ctx, 42, &o, &r), TERMINUS_E_UNSUPPORTED);
    CHECK_EQ(d.ended_by, TERMINUS_ENDED_NONE);
    CHECK_EQ(d.skipped, M | C | CO);
    CHECK_RC(d.step_status[bit(M)], TERMINUS_E_UNSUPPORTED);
    CHECK_EQ(d.kill_at_us, 0);
    terminus_ctx_free(ctx);
    fx_close(&f);
}

/* Batches (the handle limit): each batch has its own window, and its steps
 * are timed from it. */
static void chain_in_batches(void)
{
    fx f;
    terminus_detail d[4];
    terminus_result r[4];
    const terminus_pid pids[4] = { 50, 51, 52, 53 };
    terminus_terminate_options o = v2(0, 1000, NULL, d, 4);

    fx_open(&f);
    for (size_t i = 0; i < 4; i++) {
        fx_add(&f, pids[i], TERMINUS_FAKE_IGNORES, 0, 0);
        fx_reach(&f, pids[i], M | C);
    }
    REQUIRE_RC(terminus_fake_set_handle_limit(f.fake, 3), TERMINUS_OK);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 4, &o, r), TERMINUS_OK);
    CHECK_EQ(fx_calls(&f, "process_reach"), 2);
    for (size_t i = 0; i < 4; i++) {
        uint64_t t0 = i < 2 ? 0 : MS(1000);
        CHECK_EQ(r[i].outcome, TERMINUS_OUTCOME_FORCED);
        CHECK_EQ(r[i].elapsed_us, MS(1000));
        CHECK_EQ(d[i].step_at_us[bit(M)], t0);
        CHECK_EQ(d[i].step_at_us[bit(C)], t0 + MS(500));
        CHECK_EQ(d[i].kill_at_us, t0 + MS(1000));
    }
    CHECK_EQ(terminus_fake_now_us(f.fake), MS(2000));
    fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Bad input                                                                */

static int never_called;

static void must_not_run(void *arg, const terminus_progress *p)
{
    (void)arg;
    (void)p;
    never_called++;
}

/* Rejected with E_INVALID naming `needle`: results get the code; details,
 * the fake and its clock are untouched; the callback never runs. */
static void expect_invalid(fx *f, const terminus_terminate_options *o, size_t count,
                           const char *needle)
{
    const terminus_pid pids[2] = { 42, 43 };
    terminus_result r[2] = { fx_garbage_result(), fx_garbage_result() };
    terminus_detail *d = o->version >= 2 ? o->details : NULL;
    unsigned char before[2 * sizeof(terminus_detail)];

    if (d != NULL)
        memcpy(before, d, sizeof before);
    never_called = 0;
    terminus_error_clear();
    CHECK_RC(terminus_terminate_many(f->ctx, pids, count, o, r), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, needle);
    for (size_t i = 0; i < count; i++)
        CHECK_RC(r[i].status, TERMINUS_E_INVALID);
    if (d != NULL)
        CHECK(memcmp(before, d, sizeof before) == 0);
    CHECK_EQ(never_called, 0);
    CHECK_EQ(terminus_fake_call_count(f->fake, NULL), 0);
    CHECK_EQ(terminus_fake_now_us(f->fake), 0);
    CHECK_EQ(fx_proc(f, 42).requests, 0);
}

static void bad_input(void)
{
    fx f;
    terminus_detail d[2];
    terminus_terminate_options o;
    int arg;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 43, TERMINUS_FAKE_IGNORES, 0, 0);
    terminus_fake_calls_clear(f.fake);
    memset(d, 0xAB, sizeof d);

    o = v2(0, 1000, NULL, NULL, 0);
    o.progress = must_not_run;
    o.steps = 0x20;
    expect_invalid(&f, &o, 1, "opts->steps");
    o.steps = M | 0x80000000u;
    expect_invalid(&f, &o, 1, "unknown step bits 0x80000000");
    o.steps = 0;
    expect_invalid(&f, &o, 1, "opts->steps is 0");
    o.steps = 0;
    o.flags = TERMINUS_TERMINATE_NO_FORCE;
    expect_invalid(&f, &o, 1, "opts->steps is 0");

    o = v2(0, 1000, NULL, NULL, 0);
    o.reserved = 1;
    expect_invalid(&f, &o, 1, "opts->reserved");

    o = v2(0, 1000, NULL, NULL, 0);
    o.progress_arg = &arg;
    expect_invalid(&f, &o, 1, "opts->progress");

    o = v2(0, 1000, NULL, NULL, 0);
    o.progress = must_not_run;
    o.details_count = 1;
    expect_invalid(&f, &o, 1, "opts->details is NULL");
    o.details = d;
    o.details_count = 0;
    expect_invalid(&f, &o, 1, "opts->details_count 0");
    o.details_count = 1;
    expect_invalid(&f, &o, 2, "opts->details_count 1 is fewer than the 2 targets");

    o = v2(0x10, 1000, NULL, NULL, 0);
    expect_invalid(&f, &o, 1, "opts->flags");
    o = v2(TERMINUS_TERMINATE_FORCE | TERMINUS_TERMINATE_NO_FORCE, 1000, NULL, NULL, 0);
    expect_invalid(&f, &o, 1, "NO_FORCE and FORCE");

    /* BROADCAST and CTRL_BREAK are version 2 */
    o = fx_opts(TERMINUS_TERMINATE_BROADCAST, 1000, 1);
    expect_invalid(&f, &o, 1, "need version 2");
    o = fx_opts(TERMINUS_TERMINATE_CTRL_BREAK, 1000, 1);
    expect_invalid(&f, &o, 1, "need version 2");

    o = v2(0, 1000, NULL, NULL, 0);
    o.version = 3;
    expect_invalid(&f, &o, 1, "opts->version 3");

    /* and their valid neighbours */
    o = v2(TERMINUS_TERMINATE_FORCE, 1000, NULL, d, 2);
    o.steps = 0;
    CHECK_RC(terminus_terminate(f.ctx, 42, &o, NULL), TERMINUS_OK);
    CHECK_EQ(d[0].ended_by, TERMINUS_ENDED_KILL);
    CHECK_EQ(d[1].ended_by, 0xABABABABu); /* a count larger than the targets is fine */
    fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Version-1 callers and version-1 tables                                   */

/* The members a 0.1 caller's struct has, and nothing more. */
typedef struct v1_options {
    uint32_t version, flags, grace_ms, forced_exit_code;
    const char *message;
} v1_options;

/* A 0.1 caller's struct ends at `message` (here it is all that is
 * allocated, so a sanitizer sees any read past it): the default chain, no
 * detail, no progress; the same as NULL options with its grace. */
static void version_1_caller_unchanged(void)
{
    v1_options *v = malloc(sizeof *v);
    terminus_terminate_options *o = (terminus_terminate_options *)(void *)v;
    terminus_result r;
    fx f;

    REQUIRE(v != NULL);
    fx_open(&f);
    REQUIRE(sizeof *v == offsetof(terminus_terminate_options, steps));
    REQUIRE_RC(terminus_terminate_options_init(o, TERMINUS_TERMINATE_OPTIONS_VERSION), TERMINUS_OK);
    v->grace_ms = 1000;
    v->forced_exit_code = 9;
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 43, TERMINUS_FAKE_EXITS_ON_REQUEST, 300, 7);
    fx_reach(&f, 42, M | C | CO); /* the default chain: all three */
    CHECK_RC(terminus_terminate(f.ctx, 42, o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.elapsed_us, MS(1000));
    CHECK(fx_log_contains(&f, "process_reach(1 procs, 0x7, 0x0, "));
    CHECK_EQ(step_count(&f, 42, C), 1);
    CHECK_EQ(step_count(&f, 42, CO), 1);
    CHECK_RC(terminus_terminate(f.ctx, 43, o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r.elapsed_us, MS(300));
    CHECK_EQ(r.exit_code, 7);
    CHECK_EQ(fx_proc(&f, 43).requests, 1);
    fx_close(&f);
    free(o);
}

/* A version-1 shim table (no process_reach, no process_step) behaves as
 * terminus 0.1: the message is process_request; the other steps cannot go
 * out (a chain without the message is unreachable: killed at once). */
static void version_1_table(void)
{
    terminus_os table;
    terminus_ctx *ctx = NULL;
    terminus_detail d;
    terminus_result r;
    terminus_terminate_options o = v2(0, 1000, NULL, &d, 1);
    fx f;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 43, TERMINUS_FAKE_EXITS_ON_REQUEST, 300, 7);
    fx_add(&f, 44, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_reach(&f, 42, M | C | CO);
    table = *terminus_fake_os(f.fake);
    table.version = 1;
    REQUIRE_RC(terminus_ctx_new(&ctx, &table), TERMINUS_OK);
    CHECK_RC(terminus_terminate(ctx, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.elapsed_us, MS(1000));
    CHECK_EQ(d.sent, M);
    CHECK_EQ(d.reach, M);
    CHECK_RC(d.step_status[bit(C)], TERMINUS_E_UNREACHABLE);
    CHECK_EQ(fx_calls(&f, "process_request"), 1);
    CHECK_EQ(fx_calls(&f, "process_reach"), 0);
    CHECK_EQ(fx_calls(&f, "process_step"), 0);
    CHECK(fx_log_contains(&f, "wait_any(1 procs, 1000 ms)"));
    CHECK_RC(terminus_terminate(ctx, 43, NULL, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r.elapsed_us, MS(300));
    o.steps = INT;
    CHECK_RC(terminus_terminate(ctx, 44, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.elapsed_us, 0);
    CHECK_EQ(fx_calls(&f, "process_request"), 2);
    terminus_ctx_free(ctx);
    fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* The fake's scripting of the chain                                        */

static void fake_chain_scripting(void)
{
    fx f;
    const terminus_os *os;
    terminus_os_process *p = NULL;
    uint32_t n = 7, reach[1] = { 99 };

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    CHECK_RC(terminus_fake_process_set_reach(NULL, 42, 0), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_set_reach(f.fake, 42, 0x20), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_set_reach(f.fake, 41, M), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_fake_process_exit_on(NULL, 42, M, 0, 0), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_exit_on(f.fake, 42, 0x100, 0, 0), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_exit_on(f.fake, 41, M, 0, 0), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_fake_process_deny_step(NULL, 42, M), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_deny_step(f.fake, 42, 0x40), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_deny_step(f.fake, 41, M), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_fake_process_step_count(NULL, 42, M, &n), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_step_count(f.fake, 42, M, NULL), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_step_count(f.fake, 42, M | C, &n), TERMINUS_E_INVALID);
    CHECK_EQ(n, 0);
    CHECK_RC(terminus_fake_process_step_count(f.fake, 42, 0x20, &n), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_step_count(f.fake, 41, M, &n), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_fake_fail(f.fake, "process_reach", 1, 0, TERMINUS_E_OS, 0), TERMINUS_OK);
    CHECK_RC(terminus_fake_fail(f.fake, "process_step", 1, 0, TERMINUS_E_OS, 0), TERMINUS_OK);
    CHECK_RC(terminus_fake_set_latency(f.fake, "process_step", 0), TERMINUS_OK);
    terminus_fake_fail_clear(f.fake);

    /* the members themselves */
    os = terminus_fake_os(f.fake);
    REQUIRE_RC(os->process_open(os->data, 42, &p), TERMINUS_OK);
    CHECK_RC(os->process_step(os->data, p, 0, 0, "m"), TERMINUS_E_INVALID);
    CHECK_RC(os->process_step(os->data, p, M | C, 0, "m"), TERMINUS_E_INVALID);
    CHECK_RC(os->process_step(os->data, p, 0x20, 0, "m"), TERMINUS_E_UNSUPPORTED);
    CHECK_RC(os->process_step(os->data, p, C, 0, "m"), TERMINUS_E_UNREACHABLE);
    CHECK_RC(os->process_step(os->data, p, INT, 0, "m"), TERMINUS_OK);
    CHECK_EQ(step_count(&f, 42, INT), 1);
    CHECK_EQ(fx_proc(&f, 42).requests, 0);
    CHECK_RC(os->process_step(os->data, p, M, 0, "m"), TERMINUS_OK);
    CHECK_EQ(fx_proc(&f, 42).requests, 1);
    CHECK_RC(os->process_reach(os->data, &p, 0, M, 0, "m", reach), TERMINUS_E_INVALID);
    CHECK_RC(os->process_reach(os->data, &p, 1, M, 0, "m", NULL), TERMINUS_E_INVALID);
    CHECK_RC(os->process_reach(os->data, &p, 1, M | C, 0, "m", reach), TERMINUS_OK);
    CHECK_EQ(reach[0], M);
    CHECK(fx_log_contains(&f, "process_reach(1 procs, 0x3, 0x0, \"m\") = 0 [0x1]"));
    REQUIRE_RC(os->process_kill(os->data, p, 3), TERMINUS_OK);
    CHECK_RC(os->process_reach(os->data, &p, 1, M | C, 0, "m", reach), TERMINUS_OK);
    CHECK_EQ(reach[0], 0); /* an ended process: nothing reaches it */
    CHECK_RC(os->process_step(os->data, p, M, 0, "m"), TERMINUS_E_NOT_FOUND);
    os->process_close(os->data, p);
    fx_close(&f);
}

HARNESS_MAIN(T(leaves_on_close_after_message), T(steps_in_bit_order_with_shares),
             T(each_step_missing), T(each_step_failing), T(step_denied), T(step_slow),
             T(step_not_found_is_the_end), T(reach_lost_between_steps),
             T(reach_failure_tries_every_step), T(flags_reach_the_backend),
             T(unreachable_killed_at_once), T(unreachable_no_force), T(mixed_batch),
             T(progress_events_in_order), T(progress_every_target_ends_once),
             T(slow_callback_cannot_stretch_grace), T(callback_calls_terminus),
             T(details_for_every_target), T(details_when_the_call_fails), T(chain_in_batches),
             T(bad_input), T(version_1_caller_unchanged), T(version_1_table),
             T(fake_chain_scripting))
