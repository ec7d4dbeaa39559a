/*
 * tests/unit/test_terminate_many.c: many targets at once: one shared grace
 * window, per-target results in order, the first error in pid order, and no
 * handle left open.
 */
#include "fixture.h"

#define N_MIXED     120
#define GRACE_MS    5000u
#define FORCED_CODE 99u

enum kind { K_COOP, K_STUBBORN, K_GONE, K_AFTER, K_LATE_COOP, K_NKINDS };

typedef struct target {
    terminus_pid pid;
    enum kind kind;
    uint32_t after_ms;
    uint32_t code;
} target;

/* Pids in no particular order (37 is coprime with 1009), all distinct. */
static terminus_pid mixed_pid(size_t i)
{
    return (terminus_pid)(2000 + (i * 37) % 1009);
}

static void make_mixed(fx *f, target *t, terminus_pid *pids, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        t[i].pid = pids[i] = mixed_pid(i);
        t[i].kind = (enum kind)(i % K_NKINDS);
        t[i].code = (uint32_t)(i % 200);
        switch (t[i].kind) {
        case K_COOP:
            t[i].after_ms = (uint32_t)(100 + (i * 53) % 4000);
            fx_add(f, t[i].pid, TERMINUS_FAKE_EXITS_ON_REQUEST, t[i].after_ms, t[i].code);
            break;
        case K_STUBBORN:
            t[i].after_ms = 0;
            fx_add(f, t[i].pid, TERMINUS_FAKE_IGNORES, 0, t[i].code);
            break;
        case K_GONE:
            t[i].after_ms = 0;
            fx_add(f, t[i].pid, TERMINUS_FAKE_GONE, 0, t[i].code);
            break;
        case K_AFTER:
            t[i].after_ms = (uint32_t)(1 + (i * 71) % 4900);
            fx_add(f, t[i].pid, TERMINUS_FAKE_EXITS_AFTER, t[i].after_ms, t[i].code);
            break;
        default:
            t[i].after_ms = GRACE_MS - 1;
            fx_add(f, t[i].pid, TERMINUS_FAKE_EXITS_ON_REQUEST, t[i].after_ms, t[i].code);
            break;
        }
    }
    terminus_fake_calls_clear(f->fake);
}

static void check_mixed_result(fx *f, const target *t, const terminus_result *r, int no_force)
{
    terminus_fake_process_info info = fx_proc(f, t->pid);

    switch (t->kind) {
    case K_COOP:
    case K_AFTER:
    case K_LATE_COOP:
        CHECK_RC(r->status, TERMINUS_OK);
        CHECK_EQ(r->outcome, TERMINUS_OUTCOME_EXITED);
        CHECK_EQ(r->exit_code, t->code);
        CHECK_EQ(r->elapsed_us, (uint64_t)t->after_ms * 1000);
        CHECK_EQ(info.running, 0);
        CHECK_EQ(info.kills, 0);
        break;
    case K_STUBBORN:
        CHECK_EQ(info.requests, 1);
        if (no_force) {
            CHECK_RC(r->status, TERMINUS_E_TIMEOUT);
            CHECK_EQ(r->outcome, TERMINUS_OUTCOME_NONE);
            CHECK_EQ(info.running, 1);
            CHECK_EQ(info.kills, 0);
        } else {
            CHECK_RC(r->status, TERMINUS_OK);
            CHECK_EQ(r->outcome, TERMINUS_OUTCOME_FORCED);
            CHECK_EQ(r->exit_code, FORCED_CODE);
            CHECK_EQ(r->elapsed_us, (uint64_t)GRACE_MS * 1000);
            CHECK_EQ(info.running, 0);
            CHECK_EQ(info.kills, 1);
        }
        break;
    default:
        CHECK_RC(r->status, TERMINUS_OK);
        CHECK_EQ(r->outcome, TERMINUS_OUTCOME_GONE);
        CHECK_EQ(r->exit_code, t->code);
        CHECK_EQ(r->elapsed_us, 0);
        CHECK_EQ(info.requests, 0);
        CHECK_EQ(info.kills, 0);
        break;
    }
}

static void mixed_shared_grace(void)
{
    static target t[N_MIXED];
    static terminus_pid pids[N_MIXED];
    static terminus_result r[N_MIXED];
    terminus_terminate_options o = fx_opts(0, GRACE_MS, FORCED_CODE);
    size_t i, stubborn = 0, gone = 0;
    fx f;

    fx_open(&f);
    make_mixed(&f, t, pids, N_MIXED);
    for (i = 0; i < N_MIXED; i++) {
        r[i] = fx_garbage_result();
        stubborn += t[i].kind == K_STUBBORN;
        gone += t[i].kind == K_GONE;
    }
    CHECK_RC(terminus_terminate_many(f.ctx, pids, N_MIXED, &o, r), TERMINUS_OK);
    /* One window for all: the stubborn ones cost grace once, not grace * N. */
    CHECK_EQ(terminus_fake_now_us(f.fake), (uint64_t)GRACE_MS * 1000);
    for (i = 0; i < N_MIXED; i++)
        check_mixed_result(&f, &t[i], &r[i], 0);
    CHECK_EQ(fx_calls(&f, "process_open"), N_MIXED);
    CHECK_EQ(fx_calls(&f, "process_close"), N_MIXED);
    CHECK_EQ(fx_calls(&f, "process_step"), N_MIXED - gone);
    CHECK_EQ(fx_calls(&f, "process_reach"), 1);
    CHECK_EQ(fx_calls(&f, "process_kill"), stubborn);
    CHECK_EQ(terminus_fake_open_handles(f.fake), 0);
    fx_close(&f);
}

static void mixed_no_force(void)
{
    static target t[N_MIXED];
    static terminus_pid pids[N_MIXED];
    static terminus_result r[N_MIXED];
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_NO_FORCE, GRACE_MS, FORCED_CODE);
    size_t i;
    fx f;

    fx_open(&f);
    make_mixed(&f, t, pids, N_MIXED);
    for (i = 0; i < N_MIXED; i++)
        r[i] = fx_garbage_result();
    CHECK_RC(terminus_terminate_many(f.ctx, pids, N_MIXED, &o, r), TERMINUS_E_TIMEOUT);
    CHECK_EQ(terminus_fake_now_us(f.fake), (uint64_t)GRACE_MS * 1000);
    for (i = 0; i < N_MIXED; i++)
        check_mixed_result(&f, &t[i], &r[i], 1);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    CHECK_EQ(terminus_error_last()->code, TERMINUS_E_TIMEOUT);
    CHECK(fx_has_message());
    fx_close(&f);
}

/* Only cooperative targets: one wait set covers all of them, and the call
 * takes as long as the slowest one. */
static void all_cooperative_one_wait(void)
{
    enum { N = 200 };
    static terminus_pid pids[N];
    static terminus_result r[N];
    terminus_terminate_options o = fx_opts(0, GRACE_MS, FORCED_CODE);
    size_t i;
    fx f;

    fx_open(&f);
    for (i = 0; i < N; i++) {
        pids[i] = (terminus_pid)(5000 + N - i);
        fx_add(&f, pids[i], TERMINUS_FAKE_EXITS_ON_REQUEST, (uint32_t)(10 + i * 10), (uint32_t)i);
        r[i] = fx_garbage_result();
    }
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, N, &o, r), TERMINUS_OK);
    CHECK_EQ(terminus_fake_now_us(f.fake), (uint64_t)(10 + (N - 1) * 10) * 1000);
    for (i = 0; i < N; i++) {
        CHECK_RC(r[i].status, TERMINUS_OK);
        CHECK_EQ(r[i].outcome, TERMINUS_OUTCOME_EXITED);
        CHECK_EQ(r[i].exit_code, i);
        CHECK_EQ(r[i].elapsed_us, (uint64_t)(10 + i * 10) * 1000);
    }
    CHECK_EQ(fx_calls(&f, "wait_open"), 1);
    CHECK_EQ(fx_calls(&f, "process_reach"), 1);
    CHECK_EQ(fx_calls(&f, "process_step"), N);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    fx_close(&f);
}

/* Errors on some targets: the others are handled as usual; the return code
 * is the first error in the order of pids. */
static void errors_first_in_order(void)
{
    terminus_pid pids[8] = { 60, 61, 62, 63, 64, 65, 66, 67 };
    terminus_result r[8];
    terminus_terminate_options o = fx_opts(0, 1000, FORCED_CODE);
    size_t i;
    fx f;

    fx_open(&f);
    fx_add(&f, 60, TERMINUS_FAKE_EXITS_ON_REQUEST, 100, 1);
    fx_add(&f, 61, TERMINUS_FAKE_IGNORES, 0, 0);
    /* 62: no such process */
    fx_add(&f, 63, TERMINUS_FAKE_DENIED, 0, 0);
    fx_add(&f, 64, TERMINUS_FAKE_GONE, 0, 4);
    fx_add(&f, 65, TERMINUS_FAKE_KILL_DENIED, 0, 0);
    fx_add(&f, 66, TERMINUS_FAKE_EXITS_AFTER, 500, 6);
    fx_add(&f, 67, TERMINUS_FAKE_UNKILLABLE, 0, 0);
    terminus_fake_calls_clear(f.fake);
    for (i = 0; i < 8; i++)
        r[i] = fx_garbage_result();
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 8, &o, r), TERMINUS_E_NOT_FOUND);
    CHECK_RC(r[0].status, TERMINUS_OK);
    CHECK_EQ(r[0].outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r[0].exit_code, 1);
    CHECK_EQ(r[0].elapsed_us, 100000);
    CHECK_RC(r[1].status, TERMINUS_OK);
    CHECK_EQ(r[1].outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r[1].exit_code, FORCED_CODE);
    CHECK_EQ(r[1].elapsed_us, 1000000);
    CHECK_RC(r[2].status, TERMINUS_E_NOT_FOUND);
    CHECK_EQ(r[2].outcome, TERMINUS_OUTCOME_NONE);
    CHECK_RC(r[3].status, TERMINUS_E_ACCESS_DENIED);
    CHECK_EQ(r[3].outcome, TERMINUS_OUTCOME_NONE);
    CHECK_RC(r[4].status, TERMINUS_OK);
    CHECK_EQ(r[4].outcome, TERMINUS_OUTCOME_GONE);
    CHECK_EQ(r[4].exit_code, 4);
    CHECK_RC(r[5].status, TERMINUS_E_ACCESS_DENIED);
    CHECK_EQ(r[5].outcome, TERMINUS_OUTCOME_NONE);
    CHECK_RC(r[6].status, TERMINUS_OK);
    CHECK_EQ(r[6].outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r[6].exit_code, 6);
    CHECK_EQ(r[6].elapsed_us, 500000);
    CHECK_RC(r[7].status, TERMINUS_E_TIMEOUT);
    CHECK_EQ(r[7].outcome, TERMINUS_OUTCOME_NONE);
    /* grace, then the wait for the unkillable one after the kill */
    CHECK_EQ(terminus_fake_now_us(f.fake), (1000u + TERMINUS_KILL_WAIT_MS) * 1000u);
    CHECK(fx_has_message());
    fx_close(&f);
}

static void errors_first_in_order_denied(void)
{
    terminus_pid pids[4] = { 90, 80, 70, 60 };
    terminus_result r[4];
    fx f;

    fx_open(&f);
    fx_add(&f, 90, TERMINUS_FAKE_EXITS_ON_REQUEST, 100, 1);
    fx_add(&f, 80, TERMINUS_FAKE_KILL_DENIED, 0, 0);
    fx_add(&f, 70, TERMINUS_FAKE_DENIED, 0, 0);
    /* 60: no such process */
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 4, NULL, r), TERMINUS_E_ACCESS_DENIED);
    CHECK_RC(r[0].status, TERMINUS_OK);
    CHECK_RC(r[1].status, TERMINUS_E_ACCESS_DENIED);
    CHECK_RC(r[2].status, TERMINUS_E_ACCESS_DENIED);
    CHECK_RC(r[3].status, TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_error_last()->code, TERMINUS_E_ACCESS_DENIED);
    fx_close(&f);
}

static void force_many(void)
{
    terminus_pid pids[4] = { 10, 11, 12, 13 };
    terminus_result r[4];
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_FORCE, GRACE_MS, 55);
    size_t i;
    fx f;

    fx_open(&f);
    fx_add(&f, 10, TERMINUS_FAKE_EXITS_ON_REQUEST, 100, 1);
    fx_add(&f, 11, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 12, TERMINUS_FAKE_GONE, 0, 2);
    fx_add(&f, 13, TERMINUS_FAKE_EXITS_AFTER, 100, 3);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 4, &o, r), TERMINUS_OK);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    CHECK_EQ(fx_calls(&f, "process_step"), 0);
    for (i = 0; i < 4; i++) {
        CHECK_RC(r[i].status, TERMINUS_OK);
        CHECK_EQ(fx_proc(&f, pids[i]).requests, 0);
        if (pids[i] == 12) {
            CHECK_EQ(r[i].outcome, TERMINUS_OUTCOME_GONE);
            CHECK_EQ(r[i].exit_code, 2);
        } else {
            CHECK_EQ(r[i].outcome, TERMINUS_OUTCOME_FORCED);
            CHECK_EQ(r[i].exit_code, 55);
            CHECK_EQ(r[i].elapsed_us, 0);
            CHECK_EQ(fx_proc(&f, pids[i]).kills, 1);
        }
    }
    fx_close(&f);
}

static void null_results(void)
{
    terminus_pid pids[3] = { 10, 11, 12 };
    fx f;

    fx_open(&f);
    fx_add(&f, 10, TERMINUS_FAKE_EXITS_ON_REQUEST, 100, 1);
    fx_add(&f, 11, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 12, TERMINUS_FAKE_GONE, 0, 2);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 3, NULL, NULL), TERMINUS_OK);
    CHECK_EQ(fx_proc(&f, 10).running, 0);
    CHECK_EQ(fx_proc(&f, 11).running, 0);
    CHECK_EQ(terminus_fake_now_us(f.fake), 5000000);
    fx_close(&f);
}

/* terminus_terminate is terminate_many with one target. */
static void single_equals_many_of_one(void)
{
    static const int behaviours[] = { TERMINUS_FAKE_EXITS_ON_REQUEST, TERMINUS_FAKE_IGNORES,
                                      TERMINUS_FAKE_EXITS_AFTER,      TERMINUS_FAKE_GONE,
                                      TERMINUS_FAKE_DENIED,           TERMINUS_FAKE_UNKILLABLE,
                                      TERMINUS_FAKE_KILL_DENIED };
    static const uint32_t flags[] = { 0, TERMINUS_TERMINATE_NO_FORCE, TERMINUS_TERMINATE_FORCE };
    size_t b, k;

    for (b = 0; b < sizeof behaviours / sizeof behaviours[0]; b++) {
        for (k = 0; k < 3; k++) {
            terminus_terminate_options o = fx_opts(flags[k], 700, 8);
            terminus_result r1 = fx_garbage_result(), r2 = fx_garbage_result();
            terminus_pid pid = 42;
            int rc1, rc2;
            uint64_t t1, t2;
            fx f1, f2;

            fx_open(&f1);
            fx_add(&f1, 42, behaviours[b], 300, 3);
            rc1 = terminus_terminate(f1.ctx, 42, &o, &r1);
            t1 = terminus_fake_now_us(f1.fake);
            fx_close(&f1);

            fx_open(&f2);
            fx_add(&f2, 42, behaviours[b], 300, 3);
            rc2 = terminus_terminate_many(f2.ctx, &pid, 1, &o, &r2);
            t2 = terminus_fake_now_us(f2.fake);
            fx_close(&f2);

            CHECK_RC(rc1, rc2);
            CHECK_RC(r1.status, r2.status);
            CHECK_EQ(r1.outcome, r2.outcome);
            CHECK_EQ(r1.elapsed_us, r2.elapsed_us);
            if (r1.outcome != TERMINUS_OUTCOME_NONE)
                CHECK_EQ(r1.exit_code, r2.exit_code);
            CHECK_EQ(t1, t2);
        }
    }
}

/* A failing wait: every target still waited for gets its code; none is killed. */
static void wait_failure_many(void)
{
    terminus_pid pids[4] = { 10, 11, 12, 13 };
    terminus_result r[4];
    terminus_terminate_options o = fx_opts(0, 1000, 9);
    size_t i;
    fx f;

    fx_open(&f);
    fx_add(&f, 10, TERMINUS_FAKE_EXITS_ON_REQUEST, 100, 1);
    fx_add(&f, 11, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 12, TERMINUS_FAKE_GONE, 0, 2);
    fx_add(&f, 13, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_fail(f.fake, "wait_any", 1, 0, TERMINUS_E_OS, 42), TERMINUS_OK);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 4, &o, r), TERMINUS_E_OS);
    for (i = 0; i < 4; i++) {
        if (pids[i] == 12) {
            CHECK_RC(r[i].status, TERMINUS_OK);
            CHECK_EQ(r[i].outcome, TERMINUS_OUTCOME_GONE);
        } else {
            CHECK_RC(r[i].status, TERMINUS_E_OS);
            CHECK_EQ(r[i].outcome, TERMINUS_OUTCOME_NONE);
        }
        CHECK_EQ(fx_proc(&f, pids[i]).kills, 0);
    }
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    CHECK_EQ(terminus_error_last()->os_code, 42);
    fx_close(&f);
}

/*
 * Slow requests (a broadcast visits every window on the desktop): each
 * request costs 30 ms of virtual time. The grace window opens once the last
 * request is out, so the last target still gets the whole grace period, and
 * each target is timed from its own request.
 */
static void slow_requests_full_grace(void)
{
    fx f;
    terminus_result r[3];
    const terminus_pid pids[3] = { 41, 42, 43 };
    terminus_terminate_options o = fx_opts(0, 100, 9);

    fx_open(&f);
    fx_add(&f, 41, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 43, TERMINUS_FAKE_EXITS_ON_REQUEST, 95, 5);
    REQUIRE_RC(terminus_fake_set_latency(f.fake, "process_step", 30000), TERMINUS_OK);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 3, &o, r), TERMINUS_OK);
    /* Requests start at 0, 30 and 60 ms (each takes 30): all are out at
     * 90 ms, so the grace window ends at 190 ms, not at 100 ms. 43 is reached
     * at 90 ms and leaves at 185 ms, inside the window. Each target is timed
     * from the start of its own request. */
    CHECK_EQ(r[2].outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r[2].exit_code, 5);
    CHECK_EQ(r[2].elapsed_us, 185000 - 60000);
    CHECK_EQ(r[0].outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r[0].elapsed_us, 190000);
    CHECK_EQ(r[1].outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r[1].elapsed_us, 190000 - 30000);
    CHECK_EQ(terminus_fake_now_us(f.fake), 190000);
    CHECK_RC(terminus_fake_set_latency(f.fake, "process_close", 1), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_set_latency(f.fake, "nonsense", 1), TERMINUS_E_INVALID);
    fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Past the handle limit (terminus_fake_set_handle_limit): batches          */

#define LIMIT_GRACE_MS 1000u

/* The index of the first entry of the call log from `from` on that holds
 * `needle`, or (size_t)-1. */
static size_t log_find(fx *f, size_t from, const char *needle)
{
    size_t i, n = terminus_fake_call_count(f->fake, NULL);
    char buf[512];

    for (i = from; i < n; i++) {
        if (terminus_fake_call(f->fake, i, buf, sizeof buf) == TERMINUS_OK &&
            strstr(buf, needle) != NULL)
            return i;
    }
    return (size_t)-1;
}

/* How many entries of the call log hold `needle`. */
static size_t log_count(fx *f, const char *needle)
{
    size_t i, k = 0;

    for (i = log_find(f, 0, needle); i != (size_t)-1; i = log_find(f, i + 1, needle))
        k++;
    return k;
}

/* Ten targets 70..79: even ones leave 100 ms after the request with code
 * 10 + i, odd ones ignore it. */
static void add_ten(fx *f, terminus_pid *pids, terminus_result *r)
{
    for (size_t i = 0; i < 10; i++) {
        pids[i] = (terminus_pid)(70 + i);
        if (i % 2 == 0)
            fx_add(f, pids[i], TERMINUS_FAKE_EXITS_ON_REQUEST, 100, (uint32_t)(10 + i));
        else
            fx_add(f, pids[i], TERMINUS_FAKE_IGNORES, 0, 0);
        r[i] = fx_garbage_result();
    }
    terminus_fake_calls_clear(f->fake);
}

/* Limit 4: three targets and the wait set fill it. Every target ends with
 * its own outcome, each asked once and each stubborn one killed once; the
 * batches [70, 73), [73, 76), [76, 79) and [79] run one after the other,
 * each with a whole grace window of its own. */
static void handle_limit_batches(void)
{
    terminus_pid pids[10];
    terminus_result r[10];
    terminus_terminate_options o = fx_opts(0, LIMIT_GRACE_MS, FORCED_CODE);
    size_t i, at;
    fx f;

    fx_open(&f);
    add_ten(&f, pids, r);
    REQUIRE_RC(terminus_fake_set_handle_limit(f.fake, 4), TERMINUS_OK);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 10, &o, r), TERMINUS_OK);
    for (i = 0; i < 10; i++) {
        terminus_fake_process_info info = fx_proc(&f, pids[i]);
        CHECK_RC(r[i].status, TERMINUS_OK);
        CHECK_EQ(info.running, 0);
        CHECK_EQ(info.requests, 1);
        if (i % 2 == 0) {
            CHECK_EQ(r[i].outcome, TERMINUS_OUTCOME_EXITED);
            CHECK_EQ(r[i].exit_code, 10 + i);
            CHECK_EQ(r[i].elapsed_us, 100000);
            CHECK_EQ(info.kills, 0);
        } else {
            CHECK_EQ(r[i].outcome, TERMINUS_OUTCOME_FORCED);
            CHECK_EQ(r[i].exit_code, FORCED_CODE);
            CHECK_EQ(r[i].elapsed_us, (uint64_t)LIMIT_GRACE_MS * 1000);
            CHECK_EQ(info.kills, 1);
        }
    }
    /* four batches, each with a stubborn target: four grace windows */
    CHECK_EQ(terminus_fake_now_us(f.fake), 4 * (uint64_t)LIMIT_GRACE_MS * 1000);
    CHECK_EQ(log_count(&f, "wait_open(3 procs) = 0"), 3);
    CHECK_EQ(log_count(&f, "wait_open(1 procs) = 0"), 1);
    /* the third batch opens 76..79 (the list ends there): its wait set finds
     * no handle, and 79 (not asked yet) goes back to a batch of its own */
    CHECK_EQ(log_count(&f, "wait_open(4 procs) = -"), 1);
    CHECK_EQ(fx_calls(&f, "wait_open"), 5);
    CHECK_EQ(fx_calls(&f, "process_kill"), 5);
    /* the first two batches end at an open out of handles; their last
     * target opened (not asked yet) is closed again and opens the next one */
    CHECK_EQ(log_count(&f, "process_open(74) = 0"), 1);
    CHECK_EQ(log_count(&f, "process_open(73) = 0"), 2);
    CHECK_EQ(log_count(&f, "process_open(76) = 0"), 2);
    CHECK_EQ(log_count(&f, "process_open(79) = 0"), 2);
    CHECK_EQ(fx_calls(&f, "process_open"), 15);
    CHECK_EQ(fx_calls(&f, "process_close"), 13);
    /* the first batch is over (its wait set closed, its kill done) before
     * the second one opens */
    at = log_find(&f, 0, "process_open(74) = -");
    CHECK(at != (size_t)-1);
    CHECK_EQ(log_find(&f, 0, "process_close(73)"), at + 1);
    CHECK(log_find(&f, 0, "process_step(73") != (size_t)-1);
    CHECK(log_find(&f, 0, "process_step(73") > log_find(&f, 0, "wait_close(3 procs)"));
    CHECK(log_find(&f, 0, "process_kill(71") < log_find(&f, 0, "wait_close(3 procs)"));
    fx_close(&f);
}

/* The same under NO_FORCE: nothing is killed, the stubborn ones time out,
 * and the record names the first of them. */
static void handle_limit_no_force(void)
{
    terminus_pid pids[10];
    terminus_result r[10];
    terminus_terminate_options o =
        fx_opts(TERMINUS_TERMINATE_NO_FORCE, LIMIT_GRACE_MS, FORCED_CODE);
    fx f;

    fx_open(&f);
    add_ten(&f, pids, r);
    REQUIRE_RC(terminus_fake_set_handle_limit(f.fake, 4), TERMINUS_OK);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 10, &o, r), TERMINUS_E_TIMEOUT);
    CHECK_ERROR(TERMINUS_E_TIMEOUT, "pid 71");
    for (size_t i = 0; i < 10; i++) {
        terminus_fake_process_info info = fx_proc(&f, pids[i]);
        CHECK_EQ(info.requests, 1);
        CHECK_EQ(info.kills, 0);
        if (i % 2 == 0) {
            CHECK_RC(r[i].status, TERMINUS_OK);
            CHECK_EQ(r[i].outcome, TERMINUS_OUTCOME_EXITED);
            CHECK_EQ(r[i].elapsed_us, 100000);
        } else {
            CHECK_RC(r[i].status, TERMINUS_E_TIMEOUT);
            CHECK_EQ(r[i].outcome, TERMINUS_OUTCOME_NONE);
            CHECK_EQ(info.running, 1);
        }
    }
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    CHECK_EQ(fx_calls(&f, "wait_open"), 5);
    CHECK_EQ(terminus_fake_now_us(f.fake), 4 * (uint64_t)LIMIT_GRACE_MS * 1000);
    fx_close(&f);
}

/* Limit 1: a batch holds one target and no wait set can ever be made. Each
 * target is still asked; what a status read shows ended is EXITED, the rest
 * is killed and seen gone. Under NO_FORCE nothing is killed and what still
 * runs fails with the wait's E_NO_MEMORY. */
static void handle_limit_one(void)
{
    const terminus_pid pids[5] = { 81, 82, 83, 84, 85 };
    terminus_result r[5];
    terminus_terminate_options o = fx_opts(0, LIMIT_GRACE_MS, FORCED_CODE);
    fx f;

    fx_open(&f);
    CHECK_RC(terminus_fake_set_handle_limit(NULL, 1), TERMINUS_E_INVALID);
    fx_add(&f, 81, TERMINUS_FAKE_EXITS_ON_REQUEST, 0, 3);
    fx_add(&f, 82, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 83, TERMINUS_FAKE_GONE, 0, 4);
    fx_add(&f, 84, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 85, TERMINUS_FAKE_EXITS_ON_REQUEST, 0, 5);
    REQUIRE_RC(terminus_fake_set_handle_limit(f.fake, 1), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 5, &o, r), TERMINUS_OK);
    CHECK_EQ(r[0].outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r[0].exit_code, 3);
    CHECK_EQ(r[1].outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r[1].exit_code, FORCED_CODE);
    CHECK_EQ(r[2].outcome, TERMINUS_OUTCOME_GONE);
    CHECK_EQ(r[2].exit_code, 4);
    CHECK_EQ(r[3].outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r[4].outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r[4].exit_code, 5);
    for (size_t i = 0; i < 5; i++) {
        CHECK_RC(r[i].status, TERMINUS_OK);
        CHECK_EQ(fx_proc(&f, pids[i]).running, 0);
        CHECK_EQ(fx_proc(&f, pids[i]).requests, i == 2 ? 0 : 1);
    }
    CHECK_EQ(fx_calls(&f, "process_kill"), 2);
    CHECK_EQ(fx_calls(&f, "wait_any"), 0);
    CHECK_EQ(terminus_fake_open_handles(f.fake), 0);
    fx_close(&f);

    /* NO_FORCE */
    fx_open(&f);
    fx_add(&f, 81, TERMINUS_FAKE_EXITS_ON_REQUEST, 0, 3);
    fx_add(&f, 82, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 83, TERMINUS_FAKE_GONE, 0, 4);
    fx_add(&f, 84, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 85, TERMINUS_FAKE_EXITS_ON_REQUEST, 0, 5);
    REQUIRE_RC(terminus_fake_set_handle_limit(f.fake, 1), TERMINUS_OK);
    o.flags = TERMINUS_TERMINATE_NO_FORCE;
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 5, &o, r), TERMINUS_E_NO_MEMORY);
    CHECK_ERROR(TERMINUS_E_NO_MEMORY, "pid 82");
    CHECK_EQ(terminus_error_last()->os_code, 24);
    CHECK_RC(r[0].status, TERMINUS_OK);
    CHECK_EQ(r[0].outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_RC(r[1].status, TERMINUS_E_NO_MEMORY);
    CHECK_RC(r[2].status, TERMINUS_OK);
    CHECK_EQ(r[2].outcome, TERMINUS_OUTCOME_GONE);
    CHECK_RC(r[3].status, TERMINUS_E_NO_MEMORY);
    CHECK_RC(r[4].status, TERMINUS_OK);
    CHECK_EQ(fx_proc(&f, 82).running, 1);
    CHECK_EQ(fx_proc(&f, 84).running, 1);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    fx_close(&f);
}

/* Every handle is taken before the call (a server handle of the caller's,
 * limit 1): no target can be opened while nothing is held, and that is a
 * real failure of each, with nothing sent. A process that does not exist
 * is still NOT_FOUND. */
static void handle_limit_nothing_held(void)
{
    const terminus_pid pids[3] = { 91, 92, 93 };
    terminus_result r[3];
    terminus_server *srv = NULL;
    fx f;

    fx_open(&f);
    fx_add(&f, 91, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 93, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0);
    REQUIRE_RC(terminus_server_open(f.ctx, NULL, &srv), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_set_handle_limit(f.fake, 1), TERMINUS_OK);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 3, NULL, r), TERMINUS_E_NO_MEMORY);
    CHECK_ERROR(TERMINUS_E_NO_MEMORY, "pid 91");
    CHECK_EQ(terminus_error_last()->os_code, 24);
    CHECK_RC(r[0].status, TERMINUS_E_NO_MEMORY);
    CHECK_RC(r[1].status, TERMINUS_E_NOT_FOUND);
    CHECK_RC(r[2].status, TERMINUS_E_NO_MEMORY);
    CHECK_EQ(fx_calls(&f, "process_step"), 0);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    /* with the limit lifted, the same call goes through */
    REQUIRE_RC(terminus_fake_set_handle_limit(f.fake, 0), TERMINUS_OK);
    CHECK_RC(terminus_terminate_many(f.ctx, (const terminus_pid[]){ 91, 93 }, 2, NULL, r),
             TERMINUS_OK);
    terminus_server_close(srv);
    fx_close(&f);
}

/* The targets fill the limit exactly and the list ends: no open fails, but
 * the wait set does. The batch gives back its last target (not asked yet),
 * which runs in a batch of its own; a target already ended gives back its
 * handle first. */
static void handle_limit_exact_fit(void)
{
    terminus_pid pids[3] = { 61, 62, 63 };
    terminus_result r[3];
    terminus_terminate_options o = fx_opts(0, LIMIT_GRACE_MS, FORCED_CODE);
    fx f;

    fx_open(&f);
    for (size_t i = 0; i < 3; i++)
        fx_add(&f, pids[i], TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_set_handle_limit(f.fake, 3), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 3, &o, r), TERMINUS_OK);
    for (size_t i = 0; i < 3; i++) {
        CHECK_EQ(r[i].outcome, TERMINUS_OUTCOME_FORCED);
        CHECK_EQ(r[i].elapsed_us, (uint64_t)LIMIT_GRACE_MS * 1000);
        CHECK_EQ(fx_proc(&f, pids[i]).requests, 1);
    }
    CHECK_EQ(log_count(&f, "wait_open(3 procs) = -"), 1);
    CHECK_EQ(log_count(&f, "wait_open(2 procs) = 0"), 1);
    CHECK_EQ(log_count(&f, "wait_open(1 procs) = 0"), 1);
    CHECK(log_find(&f, 0, "process_step(63") != (size_t)-1);
    CHECK(log_find(&f, 0, "process_step(63") > log_find(&f, 0, "wait_close(2 procs)"));
    CHECK_EQ(terminus_fake_now_us(f.fake), 2 * (uint64_t)LIMIT_GRACE_MS * 1000);
    fx_close(&f);

    /* 64 has ended: its handle goes back, and one batch does */
    fx_open(&f);
    fx_add(&f, 61, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 64, TERMINUS_FAKE_GONE, 0, 2);
    REQUIRE_RC(terminus_fake_set_handle_limit(f.fake, 2), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_terminate_many(f.ctx, (const terminus_pid[]){ 61, 64 }, 2, &o, r),
             TERMINUS_OK);
    CHECK_EQ(r[0].outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r[1].outcome, TERMINUS_OUTCOME_GONE);
    CHECK_EQ(r[1].exit_code, 2);
    CHECK_EQ(log_count(&f, "wait_open(1 procs) = -"), 1);
    CHECK_EQ(log_count(&f, "wait_open(1 procs) = 0"), 1);
    CHECK_EQ(fx_calls(&f, "process_open"), 2);
    CHECK_EQ(terminus_fake_now_us(f.fake), (uint64_t)LIMIT_GRACE_MS * 1000);
    fx_close(&f);
}

/* A wait set refused for want of handles (wait_open fails with E_NO_MEMORY
 * every time, as when another thread takes the handle left for it) kills
 * anyway: what is seen gone after the kill is FORCED; only a target whose end
 * cannot be seen (an unkillable one) reports the wait's failure. */
static void wait_open_no_memory_reports_unseen(void)
{
    const terminus_pid pids[3] = { 51, 52, 53 };
    terminus_result r[3];
    terminus_terminate_options o = fx_opts(0, LIMIT_GRACE_MS, FORCED_CODE);
    fx f;

    fx_open(&f);
    fx_add(&f, 51, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 52, TERMINUS_FAKE_UNKILLABLE, 0, 0);
    fx_add(&f, 53, TERMINUS_FAKE_EXITS_ON_REQUEST, 0, 6);
    REQUIRE_RC(terminus_fake_fail(f.fake, "wait_open", 1, 1, TERMINUS_E_NO_MEMORY, 24),
               TERMINUS_OK);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 3, &o, r), TERMINUS_E_NO_MEMORY);
    CHECK_ERROR(TERMINUS_E_NO_MEMORY, "pid 52");
    CHECK_EQ(terminus_error_last()->os_code, 24);
    CHECK_RC(r[0].status, TERMINUS_OK);
    CHECK_EQ(r[0].outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_RC(r[1].status, TERMINUS_E_NO_MEMORY);
    CHECK_EQ(r[1].outcome, TERMINUS_OUTCOME_NONE);
    CHECK_RC(r[2].status, TERMINUS_OK);
    CHECK_EQ(r[2].outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r[2].exit_code, 6);
    CHECK_EQ(fx_proc(&f, 51).kills, 1);
    CHECK_EQ(fx_proc(&f, 52).kills, 1);
    CHECK_EQ(fx_proc(&f, 53).kills, 0);
    fx_close(&f);
}

HARNESS_MAIN(T(slow_requests_full_grace), T(mixed_shared_grace), T(mixed_no_force),
             T(all_cooperative_one_wait), T(errors_first_in_order), T(errors_first_in_order_denied),
             T(force_many), T(null_results), T(single_equals_many_of_one), T(wait_failure_many),
             T(handle_limit_batches), T(handle_limit_no_force), T(handle_limit_one),
             T(handle_limit_nothing_held), T(handle_limit_exact_fit),
             T(wait_open_no_memory_reports_unseen))
