/*
 * tests/unit/test_fault_sweep.c: for each operation, make shim call 1 fail,
 * then call 2, then 3, ... until the operation needs fewer calls than that,
 * once (a transient fault) and from then on (a persistent one). Every time the
 * operation must return a TERMINUS_* code its header documents, with a clean
 * error record, leave no handle open, keep its results consistent, and never
 * kill under NO_FORCE.
 *
 * The operations cover every public function that reaches the shim:
 * terminate and terminate_many (default, grace, NO_FORCE, FORCE), exit clean
 * and fast, listen + deliver + listener_free, logoff, server_open (local and
 * named), session_list, session_resolve (by id, by name, current) and
 * session_logoff (with and without WAIT, by id and CURRENT), session details,
 * a message, the logoff of the sessions that match (warned, counted down and
 * waited for; and a dry run) and the blockers; terminate over
 * a version-1 shim table (the request is process_request) and with the
 * close chain of options version 2 (process_reach, process_step, the
 * detail array and the progress events, which must agree with the results
 * whatever fails: each target ends once); the calls of terminus/process.h
 * (process_list, process_token, terminate_token, terminate_name with and
 * without a tree) and tree terminates (default, NO_FORCE, FORCE) over a tree
 * whose member forks during the grace (process_list, process_identity,
 * boot_id), walked, in a group that holds it alone, and in a job given
 * (group_open, group_list, group_kill, group_empty).
 *
 * sweep_each_primitive goes further: for each primitive of the shim on its
 * own, for each code include/terminus/sys/os.h lets that primitive return, it
 * fails the primitive's 1st, 2nd, ... call, and checks that every public call
 * returns a code its header documents, with a non-empty message.
 * sweep_other_codes injects codes outside the shim's contract, so there any
 * TERMINUS_* code will do. What the headers document is one table,
 * tests/common/documented_codes.h, that tests/headers/check-documented.py
 * holds to the headers. Bytes are checked by running this program under
 * valgrind and ASan (./run-tests).
 */
#include <stdint.h>

#include "documented_codes.h"
#include "fixture.h"

#define FAULT_OS_CODE    1234
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

/* Set while the sweep injects only codes os.h lets a primitive return: then
 * every public call must return a code its own header documents (its row of
 * tm_documented_api, tests/common/documented_codes.h). */
static int check_documented;

/* After each public call: a TERMINUS_* code; on failure a record with that
 * code and a message; and, in the documented sweeps, a documented code. */
static int api(const char *name, int rc)
{
    const terminus_error *e = terminus_error_last();
    const tm_documented *row;

    CHECK(rc <= 0 && rc >= TERMINUS_E_LAST);
    if (rc != TERMINUS_OK) {
        CHECK_RC(e->code, rc);
        CHECK(e->message != NULL && e->message[0] != '\0');
    }
    if (!check_documented)
        return rc;
    row = tm_documented_find(tm_documented_api,
                             sizeof tm_documented_api / sizeof tm_documented_api[0], name);
    if (row == NULL)
        FAIL("no documented codes for %s", name);
    else if (!tm_documented_has(row, rc))
        FAIL("%s returned %s, which its header does not document", name, terminus_error_name(rc));
    return rc;
}

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
    int rc = api("terminus_terminate", terminus_terminate(f->ctx, 42, NULL, &r));

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
    int rc = api("terminus_terminate", terminus_terminate(f->ctx, 42, &o, &r));

    check_single(rc, &r);
    return rc;
}

/* --- FORCE --- */
static int run_terminate_force(fx *f)
{
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_FORCE, 1000, 9);
    terminus_result r = fx_garbage_result();
    int rc = api("terminus_terminate", terminus_terminate(f->ctx, 42, &o, &r));

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

/* terminate_many over the mixed set with the given flags. */
static int many_with(fx *f, uint32_t flags)
{
    terminus_terminate_options o = fx_opts(flags, 1000, 9);
    terminus_result r[N_MIXED];
    size_t i;
    int rc;

    for (i = 0; i < N_MIXED; i++)
        r[i] = fx_garbage_result();
    rc =
        api("terminus_terminate_many", terminus_terminate_many(f->ctx, mixed_pids, N_MIXED, &o, r));
    check_many(rc, r, N_MIXED);
    return rc;
}

static int run_many(fx *f)
{
    return many_with(f, 0);
}
static int run_many_no_force(fx *f)
{
    return many_with(f, TERMINUS_TERMINATE_NO_FORCE);
}
static int run_many_force(fx *f)
{
    return many_with(f, TERMINUS_TERMINATE_FORCE);
}

static int run_no_force_stubborn(fx *f)
{
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_NO_FORCE, 1000, 9);
    terminus_result r = fx_garbage_result();
    int rc = api("terminus_terminate", terminus_terminate(f->ctx, 42, &o, &r));

    check_single(rc, &r);
    return rc;
}

static int run_no_force_coop(fx *f)
{
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_NO_FORCE, 1000, 9);
    terminus_result r = fx_garbage_result();
    int rc = api("terminus_terminate", terminus_terminate(f->ctx, 42, &o, &r));

    check_single(rc, &r);
    return rc;
}

/* --- a version-1 shim table (no process_reach, no process_step): the
 * request is process_request --- */
static int v1_table_with(fx *f, uint32_t flags)
{
    terminus_os table = *terminus_fake_os(f->fake);
    terminus_terminate_options o = fx_opts(flags, 1000, 9);
    terminus_result r = fx_garbage_result();
    terminus_ctx *ctx = NULL;
    int rc;

    table.version = 1;
    REQUIRE_RC(terminus_ctx_new(&ctx, &table), TERMINUS_OK);
    rc = api("terminus_terminate", terminus_terminate(ctx, 42, &o, &r));
    check_single(rc, &r);
    terminus_ctx_free(ctx);
    return rc;
}

static int run_v1_table(fx *f)
{
    return v1_table_with(f, 0);
}

static int run_v1_table_no_force(fx *f)
{
    return v1_table_with(f, TERMINUS_TERMINATE_NO_FORCE);
}

/* --- the close chain: options version 2, details and progress --- */
static const terminus_pid chain_pids[] = { 21, 20, 22 };
#define N_CHAIN (sizeof chain_pids / sizeof chain_pids[0])

static void setup_chain(fx *f)
{
    /* 20: nothing reaches it; 21: leaves 100 ms after CLOSE, its second
     * step; 22: ignores everything, its CLOSE refused (UIPI) */
    fx_add(f, 20, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(f, 21, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(f, 22, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_process_set_reach(f->fake, 20, 0), TERMINUS_OK);
    REQUIRE_RC(
        terminus_fake_process_set_reach(f->fake, 21, TERMINUS_STEP_MESSAGE | TERMINUS_STEP_CLOSE),
        TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_exit_on(f->fake, 21, TERMINUS_STEP_CLOSE, 100, 3),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_set_reach(f->fake, 22, TERMINUS_STEPS_ALL), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_deny_step(f->fake, 22, TERMINUS_STEP_CLOSE), TERMINUS_OK);
}

static size_t chain_ended[N_CHAIN];

static void chain_progress(void *arg, const terminus_progress *p)
{
    (void)arg;
    if (!CHECK(p->index < N_CHAIN))
        return;
    CHECK_EQ(p->pid, chain_pids[p->index]);
    CHECK_EQ(chain_ended[p->index], 0); /* nothing after a target's end */
    if (p->event == TERMINUS_PROGRESS_ENDED)
        chain_ended[p->index]++;
}

/* A detail that agrees with its result and with the steps asked for. */
static void check_detail(const terminus_result *r, const terminus_detail *d, uint32_t asked)
{
    CHECK_EQ(d->sent & ~d->reach, 0);
    CHECK_EQ(d->reach & ~asked, 0);
    CHECK_EQ(d->skipped, asked & ~d->sent);
    for (unsigned b = 0; b < TERMINUS_DETAIL_STEPS; b++) {
        if (d->sent & (1u << b))
            CHECK_RC(d->step_status[b], TERMINUS_OK);
        else if (d->skipped & (1u << b))
            CHECK(d->step_status[b] < 0 && d->step_status[b] >= TERMINUS_E_LAST);
        else
            CHECK_RC(d->step_status[b], TERMINUS_OK);
    }
    if (r->status != TERMINUS_OK)
        CHECK_EQ(d->ended_by, TERMINUS_ENDED_NONE);
    else if (r->outcome == TERMINUS_OUTCOME_GONE)
        CHECK_EQ(d->ended_by, TERMINUS_ENDED_GONE);
    else if (r->outcome == TERMINUS_OUTCOME_FORCED)
        CHECK_EQ(d->ended_by, TERMINUS_ENDED_KILL);
    else
        CHECK((d->ended_by & d->sent) != 0 || d->ended_by == TERMINUS_ENDED_GONE);
}

static int chain_with(fx *f, uint32_t flags)
{
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT_V2;
    terminus_result r[N_CHAIN];
    terminus_detail d[N_CHAIN];
    size_t i;
    int rc;

    o.flags = flags;
    o.grace_ms = 1000;
    o.forced_exit_code = 9;
    o.progress = chain_progress;
    o.details = d;
    o.details_count = N_CHAIN;
    memset(chain_ended, 0, sizeof chain_ended);
    for (i = 0; i < N_CHAIN; i++)
        r[i] = fx_garbage_result();
    memset(d, 0xAB, sizeof d);
    rc =
        api("terminus_terminate_many", terminus_terminate_many(f->ctx, chain_pids, N_CHAIN, &o, r));
    check_many(rc, r, N_CHAIN);
    for (i = 0; i < N_CHAIN; i++) {
        check_detail(&r[i], &d[i], (flags & TERMINUS_TERMINATE_FORCE) ? 0 : o.steps);
        CHECK_EQ(chain_ended[i], 1); /* every target ends once, whatever failed */
    }
    return rc;
}

static int run_chain(fx *f)
{
    return chain_with(f, 0);
}

static int run_chain_no_force(fx *f)
{
    return chain_with(f, TERMINUS_TERMINATE_NO_FORCE);
}

static int run_chain_force(fx *f)
{
    return chain_with(f, TERMINUS_TERMINATE_FORCE);
}

/* --- processes by identity (terminus/process.h) and trees --- */
static void setup_named(fx *f)
{
    fx_add(f, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 300, 7); /* unique id 1 */
    fx_add(f, 43, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(f, 44, TERMINUS_FAKE_EXITS_ON_REQUEST, 100, 0);
    REQUIRE_RC(terminus_fake_process_set_name(f->fake, 42, "job"), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_set_name(f->fake, 43, "job"), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_set_parent(f->fake, 43, 42), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_set_parent(f->fake, 44, 43), TERMINUS_OK);
    /* 43 forks 45 when asked: a scan during the grace finds it */
    REQUIRE_RC(terminus_fake_process_fork_on(f->fake, 43, TERMINUS_STEP_MESSAGE, 45, 1,
                                             TERMINUS_FAKE_IGNORES, 0, 0),
               TERMINUS_OK);
}

static const terminus_pid named_pids[] = { 42, 43, 44 };

static int run_process_list(fx *f)
{
    terminus_process_info *list = NULL;
    size_t n = 99;
    int rc = api("terminus_process_list", terminus_process_list(f->ctx, &list, &n));

    if (rc == TERMINUS_OK) {
        CHECK_EQ(n, 3);
        CHECK(list != NULL);
    } else {
        CHECK(list == NULL);
        CHECK_EQ(n, 0);
    }
    terminus_process_list_free(list);
    return rc;
}

static int run_process_token(fx *f)
{
    char tok[TERMINUS_TOKEN_MAX];
    int rc = api("terminus_process_token", terminus_process_token(f->ctx, 42, tok, sizeof tok));

    if (rc == TERMINUS_OK)
        CHECK_STR_EQ(tok, "t1.fakeboot.42.0.1");
    else
        CHECK_STR_EQ(tok, "");
    return rc;
}

static int run_terminate_token(fx *f)
{
    terminus_terminate_options o = fx_opts(0, 1000, 9);
    terminus_result r = fx_garbage_result();
    int rc = api("terminus_terminate_token",
                 terminus_terminate_token(f->ctx, "t1.fakeboot.42.0.1", &o, &r));

    check_single(rc, &r);
    return rc;
}

static int name_with(fx *f, uint32_t flags)
{
    terminus_terminate_options o = fx_opts(0, 1000, 9);
    terminus_pid *pids = NULL;
    terminus_result *res = NULL;
    size_t n = 99;
    int rc;

    o.version = TERMINUS_TERMINATE_OPTIONS_VERSION_2;
    o.steps = TERMINUS_STEPS_DEFAULT;
    o.flags = flags;
    rc = api("terminus_terminate_name",
             terminus_terminate_name(f->ctx, "job", NULL, &o, &pids, &res, &n));
    if (n == 0) {
        CHECK(pids == NULL && res == NULL);
        CHECK(rc != TERMINUS_OK);
    } else {
        REQUIRE(pids != NULL && res != NULL);
        check_many(rc, res, n);
    }
    terminus_name_results_free(pids);
    terminus_name_results_free(res);
    return rc;
}

static int run_terminate_name(fx *f)
{
    return name_with(f, 0);
}

static int run_terminate_name_tree(fx *f)
{
    return name_with(f, TERMINUS_TERMINATE_TREE);
}

/* The named tree in group 5 (its fork too): the group holds it alone. */
static void setup_grouped(fx *f)
{
    setup_named(f);
    for (terminus_pid pid = 42; pid <= 44; pid++)
        REQUIRE_RC(terminus_fake_process_set_group(f->fake, pid, 5), TERMINUS_OK);
}

/* ... and a process of the job that is no descendant (a job holds it). */
static void setup_job(fx *f)
{
    setup_grouped(f);
    fx_add(f, 46, TERMINUS_FAKE_EXITS_ON_REQUEST, 100, 0);
    REQUIRE_RC(terminus_fake_process_set_group(f->fake, 46, 5), TERMINUS_OK);
}

static void *tree_job; /* terminus_terminate_options::job of tree_with */

static int tree_with(fx *f, uint32_t flags)
{
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT_V2;
    terminus_result r = fx_garbage_result();
    terminus_detail d;
    int rc;

    o.flags = TERMINUS_TERMINATE_TREE | flags;
    o.grace_ms = 1000;
    o.forced_exit_code = 9;
    o.details = &d;
    o.details_count = 1;
    o.job = tree_job;
    memset(&d, 0xAB, sizeof d);
    rc = api("terminus_terminate", terminus_terminate(f->ctx, 42, &o, &r));
    check_single(rc, &r);
    if (r.status == TERMINUS_OK)
        CHECK_EQ(d.tree_escaped, 0);
    CHECK(d.tree_escaped <= d.tree_members);
    CHECK(d.tree_group == TERMINUS_TREE_WALKED || d.tree_group == TERMINUS_TREE_GROUP);
    if (tree_job != NULL && r.status == TERMINUS_OK && r.outcome != TERMINUS_OUTCOME_GONE)
        CHECK_EQ(d.tree_group, TERMINUS_TREE_GROUP); /* a job is the tree, or the error */
    return rc;
}

static int tree_job_with(fx *f, uint32_t flags)
{
    int rc;

    tree_job = (void *)(uintptr_t)5;
    rc = tree_with(f, flags);
    tree_job = NULL;
    return rc;
}

static int run_job(fx *f)
{
    return tree_job_with(f, 0);
}

static int run_job_no_force(fx *f)
{
    return tree_job_with(f, TERMINUS_TERMINATE_NO_FORCE);
}

static int run_job_force(fx *f)
{
    return tree_job_with(f, TERMINUS_TERMINATE_FORCE);
}

static int run_tree(fx *f)
{
    return tree_with(f, 0);
}

static int run_tree_no_force(fx *f)
{
    return tree_with(f, TERMINUS_TERMINATE_NO_FORCE);
}

static int run_tree_force(fx *f)
{
    return tree_with(f, TERMINUS_TERMINATE_FORCE);
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
    int rc = api("terminus_exit", terminus_exit(f->ctx, 3, 0));

    /* Hooks run before the OS is asked to exit, once, whatever it answers. */
    CHECK_EQ(hook_runs, 1);
    return rc;
}

static int run_exit_fast(fx *f)
{
    int rc = api("terminus_exit", terminus_exit(f->ctx, 4, TERMINUS_EXIT_FAST));

    /* A fast exit runs no hook, whatever the OS answers. */
    CHECK_EQ(hook_runs, 0);
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
    int rc = api("terminus_listen", terminus_listen(f->ctx, NULL, 5, on_request, NULL, &l));

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
    /* After the free, nothing is called any more. */
    CHECK_EQ(terminus_fake_deliver(f->fake, TERMINUS_REASON_LOGOFF), 0);
    CHECK_EQ(listener_calls, 1);
    return rc;
}

/* --- logoff --- */
static void setup_nothing(fx *f)
{
    (void)f;
}

static int run_logoff(fx *f)
{
    return api("terminus_logoff", terminus_logoff(f->ctx, TERMINUS_LOGOFF_FORCE_IF_HUNG));
}

static int run_logoff_plain(fx *f)
{
    return api("terminus_logoff", terminus_logoff(f->ctx, 0));
}

/* --- servers and sessions --- */
static void setup_sessions(fx *f)
{
    REQUIRE_RC(terminus_fake_server_add(f->fake, "srv", 1), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv", 0, TERMINUS_SESSION_OTHER, "Services", "",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv", 5, TERMINUS_SESSION_ACTIVE, "Console",
                                         "alice", TERMINUS_FAKE_SESSION_ENDS, 100),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv", 6, TERMINUS_SESSION_DISCONNECTED,
                                         "RDP-Tcp#1", "bob", TERMINUS_FAKE_SESSION_ENDS, 100),
               TERMINUS_OK);
}

/* server + list + resolve by name + logoff WAIT + close */
static int run_sessions(fx *f)
{
    terminus_server *s = NULL;
    terminus_session_info *list = NULL;
    size_t count = 0;
    uint32_t id = 0;
    int rc;

    rc = api("terminus_server_open", terminus_server_open(f->ctx, "srv", &s));
    if (rc != TERMINUS_OK) {
        CHECK(s == NULL);
        return rc;
    }
    REQUIRE(s != NULL);
    rc = api("terminus_session_list", terminus_session_list(s, &list, &count));
    if (rc == TERMINUS_OK) {
        CHECK_EQ(count, 3);
        CHECK(list != NULL);
        terminus_session_list_free(list);
        rc = api("terminus_session_resolve", terminus_session_resolve(s, "console", &id));
    } else {
        CHECK(list == NULL);
        CHECK_EQ(count, 0);
    }
    if (rc == TERMINUS_OK) {
        CHECK_EQ(id, 5);
        rc = api("terminus_session_logoff",
                 terminus_session_logoff(s, id, TERMINUS_SESSION_WAIT, 1000));
    }
    terminus_server_close(s);
    return rc;
}

/* One session call on "srv", opened and closed around it. */
static int with_srv(fx *f, const char *name, int (*call)(terminus_server *s))
{
    terminus_server *s = NULL;
    int rc = api("terminus_server_open", terminus_server_open(f->ctx, name, &s));

    if (rc != TERMINUS_OK) {
        CHECK(s == NULL);
        return rc;
    }
    REQUIRE(s != NULL);
    rc = call(s);
    terminus_server_close(s);
    return rc;
}

static int call_nothing(terminus_server *s)
{
    (void)s;
    return TERMINUS_OK;
}

static int run_server_local(fx *f)
{
    return with_srv(f, NULL, call_nothing);
}

static int run_server_named(fx *f)
{
    return with_srv(f, "srv", call_nothing);
}

static int call_list(terminus_server *s)
{
    terminus_session_info *list = NULL;
    size_t count = 99;
    int rc = api("terminus_session_list", terminus_session_list(s, &list, &count));

    if (rc == TERMINUS_OK) {
        CHECK_EQ(count, 3);
        REQUIRE(list != NULL);
        CHECK_EQ(list[0].id + list[1].id + list[2].id, 11);
    } else {
        CHECK(list == NULL);
        CHECK_EQ(count, 0);
    }
    terminus_session_list_free(list);
    return rc;
}

static int run_list(fx *f)
{
    return with_srv(f, "srv", call_list);
}

static int call_resolve_id(terminus_server *s)
{
    uint32_t id = 0;
    int rc = api("terminus_session_resolve", terminus_session_resolve(s, "6", &id));

    if (rc == TERMINUS_OK)
        CHECK_EQ(id, 6);
    return rc;
}

static int run_resolve_id(fx *f)
{
    return with_srv(f, "srv", call_resolve_id);
}

static int call_resolve_name(terminus_server *s)
{
    uint32_t id = 0;
    int rc = api("terminus_session_resolve", terminus_session_resolve(s, "rdp-TCP#1", &id));

    if (rc == TERMINUS_OK)
        CHECK_EQ(id, 6);
    return rc;
}

static int run_resolve_name(fx *f)
{
    return with_srv(f, "srv", call_resolve_name);
}

static int call_logoff_nowait(terminus_server *s)
{
    return api("terminus_session_logoff", terminus_session_logoff(s, 5, 0, 0));
}

static int run_session_logoff(fx *f)
{
    return with_srv(f, "srv", call_logoff_nowait);
}

static int call_logoff_wait(terminus_server *s)
{
    return api("terminus_session_logoff",
               terminus_session_logoff(s, 6, TERMINUS_SESSION_WAIT, 1000));
}

static int run_session_logoff_wait(fx *f)
{
    return with_srv(f, "srv", call_logoff_wait);
}

/* --- the caller's own session on this machine --- */
static void setup_current(fx *f)
{
    REQUIRE_RC(terminus_fake_session_add(f->fake, "", 3, TERMINUS_SESSION_ACTIVE, "Console",
                                         "carol", TERMINUS_FAKE_SESSION_ENDS, 50),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_set_current_session(f->fake, 3), TERMINUS_OK);
}

static int run_current(fx *f)
{
    terminus_server *s = NULL;
    uint32_t id = 0;
    int rc;

    rc = api("terminus_server_open", terminus_server_open(f->ctx, NULL, &s));
    if (rc != TERMINUS_OK)
        return rc;
    rc = api("terminus_session_resolve", terminus_session_resolve(s, NULL, &id));
    if (rc == TERMINUS_OK) {
        CHECK_EQ(id, 3);
        rc = api("terminus_session_logoff",
                 terminus_session_logoff(s, TERMINUS_SESSION_CURRENT, TERMINUS_SESSION_WAIT, 1000));
    }
    terminus_server_close(s);
    return rc;
}

static int call_resolve_current(terminus_server *s)
{
    uint32_t id = 0;
    int rc = api("terminus_session_resolve", terminus_session_resolve(s, NULL, &id));

    if (rc == TERMINUS_OK)
        CHECK_EQ(id, 3);
    return rc;
}

static int run_resolve_current(fx *f)
{
    return with_srv(f, NULL, call_resolve_current);
}

static int call_logoff_current(terminus_server *s)
{
    return api("terminus_session_logoff",
               terminus_session_logoff(s, TERMINUS_SESSION_CURRENT, 0, 0));
}

static int run_logoff_current(fx *f)
{
    return with_srv(f, NULL, call_logoff_current);
}

/* --- sessions an administrator acts on --- */
static int call_details(terminus_server *s)
{
    terminus_session_details *list = NULL;
    size_t count = 99;
    int rc = api("terminus_session_details_list", terminus_session_details_list(s, &list, &count));

    if (rc == TERMINUS_OK)
        CHECK_EQ(count, 3);
    else
        CHECK(list == NULL && count == 0);
    terminus_session_details_free(list);
    return rc;
}

static int run_details(fx *f)
{
    return with_srv(f, "srv", call_details);
}

static int call_message(terminus_server *s)
{
    return api("terminus_session_message", terminus_session_message(s, 6, "t", "bye", 1000));
}

static int run_message(fx *f)
{
    return with_srv(f, "srv", call_message);
}

/* Outcomes that agree with the code: OK iff every one is. */
static int matching_with(terminus_server *s, uint32_t flags)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_logoff_options o = TERMINUS_SESSION_LOGOFF_OPTIONS_INIT;
    terminus_session_outcome *out = NULL;
    size_t count = 99, i;
    int rc, first = TERMINUS_OK;

    flt.states = TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_DISCONNECTED);
    o.flags = flags;
    o.timeout_ms = 1000;
    o.countdown_ms = 1000;
    o.message = "bye";
    rc = api("terminus_session_logoff_matching",
             terminus_session_logoff_matching(s, &flt, &o, &out, &count));
    for (i = 0; i < count; i++) {
        CHECK(out[i].status <= 0 && out[i].status >= TERMINUS_E_LAST);
        CHECK(out[i].warn_status <= 0 && out[i].warn_status >= TERMINUS_E_LAST);
        if (out[i].status != TERMINUS_OK)
            CHECK(out[i].message[0] != '\0');
        if (first == TERMINUS_OK)
            first = out[i].status;
    }
    if (out != NULL)
        CHECK_RC(rc, first);
    else
        CHECK_EQ(count, 0);
    terminus_session_outcomes_free(out);
    return rc;
}

static int call_matching(terminus_server *s)
{
    return matching_with(s, TERMINUS_SESSION_WAIT);
}

static int run_matching(fx *f)
{
    return with_srv(f, "srv", call_matching);
}

static int call_matching_dry(terminus_server *s)
{
    return matching_with(s, TERMINUS_SESSION_DRY_RUN);
}

static int run_matching_dry(fx *f)
{
    return with_srv(f, "srv", call_matching_dry);
}

static void setup_blockers(fx *f)
{
    terminus_blocker b;

    setup_sessions(f);
    memset(&b, 0, sizeof b);
    snprintf(b.who, sizeof b.who, "backup");
    REQUIRE_RC(terminus_fake_blocker_add(f->fake, "srv", &b), TERMINUS_OK);
}

static int call_blockers(terminus_server *s)
{
    terminus_blocker *list = NULL;
    size_t count = 99;
    int rc = api("terminus_session_blockers", terminus_session_blockers(s, 6, &list, &count));

    if (rc == TERMINUS_OK)
        CHECK_EQ(count, 1);
    else
        CHECK(list == NULL && count == 0);
    terminus_blockers_free(list);
    return rc;
}

static int run_blockers(fx *f)
{
    return with_srv(f, "srv", call_blockers);
}

static const op ops[] = {
    { "terminate cooperative", setup_coop, run_terminate_default, TERMINUS_OK, 0, one_pid, 1 },
    { "terminate cooperative NO_FORCE", setup_coop, run_no_force_coop, TERMINUS_OK, 1, one_pid, 1 },
    { "terminate stubborn", setup_stubborn, run_terminate_grace, TERMINUS_OK, 0, one_pid, 1 },
    { "terminate stubborn NO_FORCE", setup_stubborn, run_no_force_stubborn, TERMINUS_E_TIMEOUT, 1,
      one_pid, 1 },
    { "terminate FORCE", setup_stubborn, run_terminate_force, TERMINUS_OK, 0, one_pid, 1 },
    { "terminate_many mixed", setup_mixed, run_many, TERMINUS_OK, 0, mixed_pids, N_MIXED },
    { "terminate_many mixed NO_FORCE", setup_mixed, run_many_no_force, TERMINUS_E_TIMEOUT, 1,
      mixed_pids, N_MIXED },
    { "terminate_many mixed FORCE", setup_mixed, run_many_force, TERMINUS_OK, 0, mixed_pids,
      N_MIXED },
    { "terminate over a version-1 table", setup_stubborn, run_v1_table, TERMINUS_OK, 0, one_pid,
      1 },
    { "terminate over a version-1 table NO_FORCE", setup_stubborn, run_v1_table_no_force,
      TERMINUS_E_TIMEOUT, 1, one_pid, 1 },
    { "close chain", setup_chain, run_chain, TERMINUS_OK, 0, chain_pids, N_CHAIN },
    { "close chain NO_FORCE", setup_chain, run_chain_no_force, TERMINUS_E_UNREACHABLE, 1,
      chain_pids, N_CHAIN },
    { "close chain FORCE", setup_chain, run_chain_force, TERMINUS_OK, 0, chain_pids, N_CHAIN },
    { "process_list", setup_named, run_process_list, TERMINUS_OK, 0, NULL, 0 },
    { "process_token", setup_named, run_process_token, TERMINUS_OK, 0, NULL, 0 },
    { "terminate_token", setup_named, run_terminate_token, TERMINUS_OK, 0, named_pids, 1 },
    { "terminate_name", setup_named, run_terminate_name, TERMINUS_OK, 0, named_pids, 3 },
    { "terminate_name TREE", setup_named, run_terminate_name_tree, TERMINUS_OK, 0, named_pids, 3 },
    { "tree", setup_named, run_tree, TERMINUS_OK, 0, named_pids, 3 },
    { "tree NO_FORCE", setup_named, run_tree_no_force, TERMINUS_E_TIMEOUT, 1, named_pids, 3 },
    { "tree FORCE", setup_named, run_tree_force, TERMINUS_OK, 0, named_pids, 3 },
    { "tree in a group", setup_grouped, run_tree, TERMINUS_OK, 0, named_pids, 3 },
    { "tree in a group NO_FORCE", setup_grouped, run_tree_no_force, TERMINUS_E_TIMEOUT, 1,
      named_pids, 3 },
    { "tree in a group FORCE", setup_grouped, run_tree_force, TERMINUS_OK, 0, named_pids, 3 },
    { "tree in a job", setup_job, run_job, TERMINUS_OK, 0, named_pids, 3 },
    { "tree in a job NO_FORCE", setup_job, run_job_no_force, TERMINUS_E_TIMEOUT, 1, named_pids, 3 },
    { "tree in a job FORCE", setup_job, run_job_force, TERMINUS_OK, 0, named_pids, 3 },
    { "exit", setup_exit, run_exit, TERMINUS_OK, 0, NULL, 0 },
    { "exit fast", setup_exit, run_exit_fast, TERMINUS_OK, 0, NULL, 0 },
    { "listen + deliver", setup_listen, run_listen, TERMINUS_OK, 0, NULL, 0 },
    { "logoff", setup_nothing, run_logoff, TERMINUS_OK, 0, NULL, 0 },
    { "logoff (no flag)", setup_nothing, run_logoff_plain, TERMINUS_OK, 0, NULL, 0 },
    { "server_open local", setup_nothing, run_server_local, TERMINUS_OK, 0, NULL, 0 },
    { "server_open named", setup_sessions, run_server_named, TERMINUS_OK, 0, NULL, 0 },
    { "session_list", setup_sessions, run_list, TERMINUS_OK, 0, NULL, 0 },
    { "session_resolve by id", setup_sessions, run_resolve_id, TERMINUS_OK, 0, NULL, 0 },
    { "session_resolve by name", setup_sessions, run_resolve_name, TERMINUS_OK, 0, NULL, 0 },
    { "session_resolve current", setup_current, run_resolve_current, TERMINUS_OK, 0, NULL, 0 },
    { "session_logoff", setup_sessions, run_session_logoff, TERMINUS_OK, 0, NULL, 0 },
    { "session_logoff WAIT", setup_sessions, run_session_logoff_wait, TERMINUS_OK, 0, NULL, 0 },
    { "session_logoff CURRENT", setup_current, run_logoff_current, TERMINUS_OK, 0, NULL, 0 },
    { "server + list + resolve + logoff WAIT", setup_sessions, run_sessions, TERMINUS_OK, 0, NULL,
      0 },
    { "current session logoff WAIT", setup_current, run_current, TERMINUS_OK, 0, NULL, 0 },
    { "session_details_list", setup_sessions, run_details, TERMINUS_OK, 0, NULL, 0 },
    { "session_message", setup_sessions, run_message, TERMINUS_OK, 0, NULL, 0 },
    { "logoff_matching warn + countdown + WAIT", setup_sessions, run_matching, TERMINUS_OK, 0, NULL,
      0 },
    { "logoff_matching dry run", setup_sessions, run_matching_dry, TERMINUS_OK, 0, NULL, 0 },
    { "session_blockers", setup_blockers, run_blockers, TERMINUS_OK, 0, NULL, 0 },
};
#define N_OPS (sizeof ops / sizeof ops[0])

/* Run op once with the fault (at call nth of `primitive`, 0: no fault);
 * returns the faults fired. */
static uint32_t run_fault(const op *o, const char *primitive, uint32_t nth, int persistent,
                          int code, int *rc_out)
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
        REQUIRE_RC(terminus_fake_fail(f.fake, primitive, nth, persistent, code, FAULT_OS_CODE),
                   TERMINUS_OK);
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
        if (rc == TERMINUS_E_OS && code == TERMINUS_E_OS)
            CHECK_EQ(e->os_code, FAULT_OS_CODE);
    }
    if (o->no_force) {
        CHECK_EQ(fx_calls(&f, "process_kill"), 0);
        for (i = 0; i < o->npids; i++)
            CHECK_EQ(fx_proc(&f, o->pids[i]).kills, 0);
    }
    if (h_failures > 0)
        printf("#   ^ in \"%s\" with %s at call %u of %s (%s): rc %s\n", o->name,
               terminus_error_name(code), (unsigned)nth, primitive,
               persistent ? "persistent" : "once", terminus_error_name(rc));
    fx_close(&f); /* checks that no handle is left open */
    return fired;
}

static uint32_t run_with_fault(const op *o, uint32_t nth, int persistent, int *rc_out)
{
    return run_fault(o, "*", nth, persistent, TERMINUS_E_OS, rc_out);
}

static void sweep(int persistent)
{
    size_t k;

    /* E_OS is a failure every primitive may return, and every public
     * function documents it: each result must be in its row. */
    check_documented = 1;
    for (k = 0; k < N_OPS; k++) {
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
    check_documented = 0;
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
    static const int codes[] = { TERMINUS_E_NOT_FOUND,   TERMINUS_E_ACCESS_DENIED,
                                 TERMINUS_E_TIMEOUT,     TERMINUS_E_REFUSED,
                                 TERMINUS_E_UNSUPPORTED, TERMINUS_E_UNAVAILABLE,
                                 TERMINUS_E_NO_MEMORY };
    size_t k, c;

    check_documented = 0; /* codes outside the shim's contract on purpose */
    for (k = 0; k < N_OPS; k++) {
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
                    printf("#   ^ in \"%s\" with %s at call %u\n", ops[k].name,
                           terminus_error_name(codes[c]), (unsigned)n);
                fx_close(&f);
                if (fired == 0 || h_failures > 50)
                    break;
            }
        }
    }
}

/* --- each primitive, with each code os.h documents for it ------------------ */

#define N_SHIM (sizeof tm_documented_shim / sizeof tm_documented_shim[0])

/* The failures injected into a primitive: those its row of tm_documented_shim
 * (what include/terminus/sys/os.h documents) holds. os.h documents no failure
 * of exit_process (a native one does not return): for a primitive without
 * one, E_UNSUPPORTED, which is what a backend without it would say. */
static unsigned injected_codes(const tm_documented *row)
{
    unsigned codes = row->codes & ~TM_CODE(TERMINUS_OK);

    return codes != 0 ? codes : TM_CODE(TERMINUS_E_UNSUPPORTED);
}

static void sweep_each_primitive(void)
{
    size_t k, p;
    int code, persistent;
    int reached_by_some[sizeof tm_documented_shim / sizeof tm_documented_shim[0]] = { 0 };

    check_documented = 1;
    for (k = 0; k < N_OPS; k++) {
        const op *o = &ops[k];
        unsigned runs = 0, prims = 0;
        int rc;

        run_fault(o, "*", 0, 0, TERMINUS_E_OS, &rc);
        CHECK_RC(rc, o->baseline);
        for (p = 0; p < N_SHIM; p++) {
            const tm_documented *row = &tm_documented_shim[p];
            unsigned codes = injected_codes(row);
            int reached = 0;

            for (code = TERMINUS_E_INVALID; code >= TERMINUS_E_LAST; code--) {
                if ((codes & TM_CODE(code)) == 0)
                    continue;
                for (persistent = 0; persistent <= 1; persistent++) {
                    uint32_t n;

                    /* An injected E_TIMEOUT from wait_any spends no virtual
                     * time: the core must take it as a failed wait (no kill,
                     * no spin), even when it persists. */
                    for (n = 1; n <= MAX_FAULT_POINTS; n++) {
                        int before = h_failures;
                        uint32_t fired = run_fault(o, row->name, n, persistent, code, &rc);

                        runs++;
                        if (fired == 0) {
                            CHECK_RC(rc, o->baseline);
                            break;
                        }
                        reached = 1;
                        if (h_failures > before + 20)
                            break;
                    }
                    CHECK(n <= MAX_FAULT_POINTS);
                }
            }
            prims += (unsigned)reached;
            reached_by_some[p] |= reached;
        }
        CHECK(prims > 0);
        printf("# %s: %u primitives reached, %u runs\n", o->name, prims, runs);
        if (h_failures > 100)
            break;
    }
    /* Every primitive of the shim is failed by some operation with each of
     * its codes (process_request through the version-1 table). */
    for (p = 0; p < N_SHIM; p++) {
        if (!reached_by_some[p])
            FAIL("no operation reaches %s", tm_documented_shim[p].name);
    }
    check_documented = 0;
}

HARNESS_MAIN(T(sweep_once), T(sweep_persistent), T(sweep_other_codes), T(sweep_each_primitive))
