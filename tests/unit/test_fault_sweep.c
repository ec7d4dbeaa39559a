/*
 * tests/unit/test_fault_sweep.c: for each operation, make shim call 1 fail,
 * then call 2, then 3, ... until the operation needs fewer calls than that,
 * once (a transient fault) and from then on (a persistent one). Every time the
 * operation must return a TERMINUS_* code with a clean error record, leave no
 * handle open, keep its results consistent, and never kill under NO_FORCE.
 */
#include "fixture.h"

#define FAULT_OS_CODE 1234
#define MAX_FAULT_POINTS 1000

typedef struct op {
    const char *name;
    void (*setup)(fx *f);
    int (*run)(fx *f); /* the operation and its cleanup; checks its own results */
    int baseline;      /* its code with no fault */
    int no_force;      /* NO_FORCE: no kill may ever happen */
    const terminus_pid *pids;
    size_t npids;
} op;

/* A single result must agree with the return code. */
static void check_single(int rc, const terminus_result *r)
{
    CHECK_RC(r->status, rc);
    if (rc == TERMINUS_OK)
        CHECK(r->outcome != TERMINUS_OUTCOME_NONE);
    else
        CHECK_EQ(r->outcome, TERMINUS_OUTCOME_NONE);
}

/* Many results: OK iff an outcome; the code is the first error in order. */
static void check_many(int rc, const terminus_result *r, size_t n)
{
    int first = TERMINUS_OK;
    size_t i;

    for (i = 0; i < n; i++) {
        CHECK(r[i].status <= 0 && r[i].status >= TERMINUS_E_LAST);
        if (r[i].status == TERMINUS_OK)
            CHECK(r[i].outcome != TERMINUS_OUTCOME_NONE);
        else
            CHECK_EQ(r[i].outcome, TERMINUS_OUTCOME_NONE);
        if (first == TERMINUS_OK)
            first = r[i].status;
    }
    CHECK_RC(rc, first);
}

/* --- terminate one cooperative target --- */
static const terminus_pid one_pid[] = { 42 };

static void setup_coop(fx *f)
{
    fx_add(f, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 300, 7);
}

static int run_terminate_default(fx *f)
{
    terminus_result r = fx_garbage_result();
    int rc = terminus_terminate(f->ctx, 42, NULL, &r);

    check_single(rc, &r);
    return rc;
}

/* --- terminate one stubborn target --- */
static void setup_stubborn(fx *f)
{
    fx_add(f, 42, TERMINUS_FAKE_IGNORES, 0, 7);
}

static int run_terminate_grace(fx *f)
{
    terminus_terminate_options o = fx_opts(0, 1000, 9);
    terminus_result r = fx_garbage_result();
    int rc = terminus_terminate(f->ctx, 42, &o, &r);

    check_single(rc, &r);
    return rc;
}

/* --- FORCE --- */
static int run_terminate_force(fx *f)
{
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_FORCE, 1000, 9);
    terminus_result r = fx_garbage_result();
    int rc = terminus_terminate(f->ctx, 42, &o, &r);

    check_single(rc, &r);
    return rc;
}

/* --- terminate_many of a mixed set --- */
static const terminus_pid mixed_pids[] = { 17, 10, 15, 11, 13, 12, 14 };
#define N_MIXED (sizeof mixed_pids / sizeof mixed_pids[0])

static void setup_mixed(fx *f)
{
    fx_add(f, 10, TERMINUS_FAKE_EXITS_ON_REQUEST, 300, 1);
    fx_add(f, 11, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(f, 12, TERMINUS_FAKE_GONE, 0, 2);
    fx_add(f, 13, TERMINUS_FAKE_EXITS_AFTER, 500, 3);
    fx_add(f, 14, TERMINUS_FAKE_EXITS_ON_REQUEST, 0, 4);
    fx_add(f, 15, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(f, 17, TERMINUS_FAKE_EXITS_ON_REQUEST, 999, 5);
}

static int run_many(fx *f)
{
    terminus_terminate_options o = fx_opts(0, 1000, 9);
    terminus_result r[N_MIXED];
    size_t i;
    int rc;

    for (i = 0; i < N_MIXED; i++)
        r[i] = fx_garbage_result();
    rc = terminus_terminate_many(f->ctx, mixed_pids, N_MIXED, &o, r);
    check_many(rc, r, N_MIXED);
    return rc;
}

static int run_many_no_force(fx *f)
{
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_NO_FORCE, 1000, 9);
    terminus_result r[N_MIXED];
    size_t i;
    int rc;

    for (i = 0; i < N_MIXED; i++)
        r[i] = fx_garbage_result();
    rc = terminus_terminate_many(f->ctx, mixed_pids, N_MIXED, &o, r);
    check_many(rc, r, N_MIXED);
    return rc;
}

static int run_no_force_stubborn(fx *f)
{
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_NO_FORCE, 1000, 9);
    terminus_result r = fx_garbage_result();
    int rc = terminus_terminate(f->ctx, 42, &o, &r);

    check_single(rc, &r);
    return rc;
}

/* --- exit --- */
static int hook_runs;

static void hook(void *arg)
{
    (void)arg;
    hook_runs++;
}

static void setup_exit(fx *f)
{
    hook_runs = 0;
    REQUIRE_RC(terminus_at_exit(f->ctx, hook, NULL), TERMINUS_OK);
}

static int run_exit(fx *f)
{
    int rc = terminus_exit(f->ctx, 3, 0);

    /* Hooks run before the OS is asked to exit, once, whatever it answers. */
    CHECK_EQ(hook_runs, 1);
    return rc;
}

/* --- listen + deliver --- */
static int listener_calls;

static int on_request(void *arg, int reason)
{
    (void)arg;
    (void)reason;
    listener_calls++;
    return 0;
}

static void setup_listen(fx *f)
{
    listener_calls = 0;
    hook_runs = 0;
    REQUIRE_RC(terminus_at_exit(f->ctx, hook, NULL), TERMINUS_OK);
}

static int run_listen(fx *f)
{
    terminus_listener *l = NULL;
    int rc = terminus_listen(f->ctx, NULL, 5, on_request, NULL, &l);

    if (rc != TERMINUS_OK) {
        CHECK(l == NULL);
        CHECK_EQ(terminus_fake_deliver(f->fake, TERMINUS_REASON_REQUEST), 0);
        CHECK_EQ(listener_calls, 0);
        return rc;
    }
    REQUIRE(l != NULL);
    CHECK_EQ(terminus_fake_deliver(f->fake, TERMINUS_REASON_REQUEST), 1);
    CHECK_EQ(listener_calls, 1);
    CHECK_EQ(hook_runs, 1);
    terminus_listener_free(l);
    return rc;
}

/* --- logoff --- */
static void setup_nothing(fx *f)
{
    (void)f;
}

static int run_logoff(fx *f)
{
    return terminus_logoff(f->ctx, TERMINUS_LOGOFF_FORCE_IF_HUNG);
}

/* --- server_open + list + resolve by name + logoff WAIT + close --- */
static void setup_sessions(fx *f)
{
    REQUIRE_RC(terminus_fake_server_add(f->fake, "srv", 1), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv", 0, TERMINUS_SESSION_OTHER, "Services", "",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv", 5, TERMINUS_SESSION_ACTIVE, "Console", "alice",
                                         TERMINUS_FAKE_SESSION_ENDS, 100),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv", 6, TERMINUS_SESSION_DISCONNECTED, "RDP-Tcp#1",
                                         "bob", TERMINUS_FAKE_SESSION_ENDS, 100),
               TERMINUS_OK);
}

static int run_sessions(fx *f)
{
    terminus_server *s = NULL;
    terminus_session_info *list = NULL;
    size_t count = 0;
    uint32_t id = 0;
    int rc;

    rc = terminus_server_open(f->ctx, "srv", &s);
    if (rc != TERMINUS_OK)
        return rc;
    REQUIRE(s != NULL);
    rc = terminus_session_list(s, &list, &count);
    if (rc == TERMINUS_OK) {
        CHECK_EQ(count, 3);
        CHECK(list != NULL);
        terminus_session_list_free(list);
        rc = terminus_session_resolve(s, "console", &id);
    }
    if (rc == TERMINUS_OK) {
        CHECK_EQ(id, 5);
        rc = terminus_session_logoff(s, id, TERMINUS_SESSION_WAIT, 1000);
    }
    terminus_server_close(s);
    return rc;
}

/* --- session logoff of the current session on this machine --- */
static void setup_current(fx *f)
{
    REQUIRE_RC(terminus_fake_session_add(f->fake, "", 3, TERMINUS_SESSION_ACTIVE, "Console", "carol",
                                         TERMINUS_FAKE_SESSION_ENDS, 50),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_set_current_session(f->fake, 3), TERMINUS_OK);
}

static int run_current(fx *f)
{
    terminus_server *s = NULL;
    uint32_t id = 0;
    int rc;

    rc = terminus_server_open(f->ctx, NULL, &s);
    if (rc != TERMINUS_OK)
        return rc;
    rc = terminus_session_resolve(s, NULL, &id);
    if (rc == TERMINUS_OK) {
        CHECK_EQ(id, 3);
        rc = terminus_session_logoff(s, TERMINUS_SESSION_CURRENT, TERMINUS_SESSION_WAIT, 1000);
    }
    terminus_server_close(s);
    return rc;
}

static const op ops[] = {
    { "terminate cooperative", setup_coop, run_terminate_default, TERMINUS_OK, 0, one_pid, 1 },
    { "terminate stubborn", setup_stubborn, run_terminate_grace, TERMINUS_OK, 0, one_pid, 1 },
    { "terminate stubborn NO_FORCE", setup_stubborn, run_no_force_stubborn, TERMINUS_E_TIMEOUT, 1, one_pid, 1 },
    { "terminate FORCE", setup_stubborn, run_terminate_force, TERMINUS_OK, 0, one_pid, 1 },
    { "terminate_many mixed", setup_mixed, run_many, TERMINUS_OK, 0, mixed_pids, N_MIXED },
    { "terminate_many mixed NO_FORCE", setup_mixed, run_many_no_force, TERMINUS_E_TIMEOUT, 1, mixed_pids,
      N_MIXED },
    { "exit", setup_exit, run_exit, TERMINUS_OK, 0, NULL, 0 },
    { "listen + deliver", setup_listen, run_listen, TERMINUS_OK, 0, NULL, 0 },
    { "logoff", setup_nothing, run_logoff, TERMINUS_OK, 0, NULL, 0 },
    { "server + list + resolve + logoff WAIT", setup_sessions, run_sessions, TERMINUS_OK, 0, NULL, 0 },
    { "current session logoff WAIT", setup_current, run_current, TERMINUS_OK, 0, NULL, 0 },
};

/* Run op once with the fault at call nth (0: no fault); returns the faults fired. */
static uint32_t run_with_fault(const op *o, uint32_t nth, int persistent, int *rc_out)
{
    const terminus_error *e;
    uint32_t fired;
    size_t i;
    int rc;
    fx f;

    fx_open(&f);
    o->setup(&f);
    terminus_fake_calls_clear(f.fake);
    if (nth > 0)
        REQUIRE_RC(terminus_fake_fail(f.fake, "*", nth, persistent, TERMINUS_E_OS, FAULT_OS_CODE), TERMINUS_OK);
    terminus_error_clear();
    rc = o->run(&f);
    fired = terminus_fake_faults_fired(f.fake);
    *rc_out = rc;

    /* A TERMINUS_* code, and a clean record when it failed. */
    CHECK(rc <= 0 && rc >= TERMINUS_E_LAST);
    e = terminus_error_last();
    REQUIRE(e != NULL && e->message != NULL);
    if (rc != TERMINUS_OK) {
        CHECK(e->message[0] != '\0');
        CHECK_RC(e->code, rc);
        if (rc == TERMINUS_E_OS)
            CHECK_EQ(e->os_code, FAULT_OS_CODE);
    }
    if (o->no_force) {
        CHECK_EQ(fx_calls(&f, "process_kill"), 0);
        for (i = 0; i < o->npids; i++)
            CHECK_EQ(fx_proc(&f, o->pids[i]).kills, 0);
    }
    if (h_failures > 0)
        printf("#   ^ in \"%s\" with the fault at call %u (%s): rc %s\n", o->name, (unsigned)nth,
               persistent ? "persistent" : "once", terminus_error_name(rc));
    fx_close(&f); /* checks that no handle is left open */
    return fired;
}

static void sweep(int persistent)
{
    size_t k;

    for (k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        const op *o = &ops[k];
        uint32_t n;
        int rc;

        /* Without a fault: the expected code, and the sweep has a baseline. */
        run_with_fault(o, 0, persistent, &rc);
        CHECK_RC(rc, o->baseline);
        for (n = 1; n <= MAX_FAULT_POINTS; n++) {
            int before = h_failures;
            uint32_t fired = run_with_fault(o, n, persistent, &rc);

            if (fired == 0) {
                /* The operation made fewer calls: it ran as without a fault. */
                CHECK_RC(rc, o->baseline);
                break;
            }
            if (h_failures > before + 20)
                break; /* enough diagnostics for one operation */
        }
        CHECK(n <= MAX_FAULT_POINTS);
        CHECK(n > 1); /* every operation makes at least one call that can fail */
        printf("# %s (%s): %u fault points\n", o->name, persistent ? "persistent" : "once",
               (unsigned)(n - 1));
        fflush(stdout);
    }
}

static void sweep_once(void)
{
    sweep(0);
}

static void sweep_persistent(void)
{
    sweep(1);
}

/* The same sweep with the other codes a backend may return. */
static void sweep_other_codes(void)
{
    static const int codes[] = { TERMINUS_E_NOT_FOUND, TERMINUS_E_ACCESS_DENIED, TERMINUS_E_TIMEOUT,
                                 TERMINUS_E_REFUSED, TERMINUS_E_UNSUPPORTED, TERMINUS_E_UNAVAILABLE,
                                 TERMINUS_E_NO_MEMORY };
    size_t k, c;

    for (k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        for (c = 0; c < sizeof codes / sizeof codes[0]; c++) {
            uint32_t n;

            for (n = 1; n <= MAX_FAULT_POINTS; n++) {
                const terminus_error *e;
                uint32_t fired;
                size_t i;
                int rc;
                fx f;

                fx_open(&f);
                ops[k].setup(&f);
                terminus_fake_calls_clear(f.fake);
                REQUIRE_RC(terminus_fake_fail(f.fake, "*", n, 0, codes[c], 5), TERMINUS_OK);
                terminus_error_clear();
                rc = ops[k].run(&f);
                fired = terminus_fake_faults_fired(f.fake);
                CHECK(rc <= 0 && rc >= TERMINUS_E_LAST);
                e = terminus_error_last();
                if (rc != TERMINUS_OK)
                    CHECK(e->message != NULL && e->message[0] != '\0');
                if (ops[k].no_force) {
                    for (i = 0; i < ops[k].npids; i++)
                        CHECK_EQ(fx_proc(&f, ops[k].pids[i]).kills, 0);
                }
                if (h_failures > 0 && n < 3)
                    printf("#   ^ in \"%s\" with %s at call %u\n", ops[k].name, terminus_error_name(codes[c]),
                           (unsigned)n);
                fx_close(&f);
                if (fired == 0 || h_failures > 50)
                    break;
            }
        }
    }
}

HARNESS_MAIN(T(sweep_once), T(sweep_persistent), T(sweep_other_codes))
