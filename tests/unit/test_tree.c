/*
 * tests/unit/test_tree.c: TERMINUS_TERMINATE_TREE through the fake OS
 * (lib/core/tree.c): who is a member (children by parent link and start,
 * never a stale link, never a pid reused between the listing and the open),
 * one shared grace for the whole tree, members forked during the grace found
 * by the scans, the bound on the scans, what escaped, and the refusal of a
 * tree that would hold the caller.
 */
#include "fixture.h"

#define GRACE_MS 1000u

static terminus_terminate_options tree_opts(uint32_t flags, terminus_detail *d, size_t nd)
{
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT_V2;

    o.flags = TERMINUS_TERMINATE_TREE | flags;
    o.grace_ms = GRACE_MS;
    o.forced_exit_code = 9;
    o.steps = TERMINUS_STEP_MESSAGE;
    o.details = d;
    o.details_count = nd;
    return o;
}

/* A scripted process with a parent. */
static void child(fx *f, terminus_pid pid, terminus_pid ppid, int behaviour, uint32_t after_ms)
{
    fx_add(f, pid, behaviour, after_ms, 0);
    REQUIRE_RC(terminus_fake_process_set_parent(f->fake, pid, ppid), TERMINUS_OK);
}

static void child_at(fx *f, terminus_pid pid, terminus_pid ppid, int behaviour, uint64_t start_us)
{
    REQUIRE_RC(terminus_fake_process_add_at(f->fake, pid, behaviour, 0, 0, start_us), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_set_parent(f->fake, pid, ppid), TERMINUS_OK);
}

static int untouched(fx *f, terminus_pid pid)
{
    terminus_fake_process_info p = fx_proc(f, pid);

    return p.running && p.requests == 0 && p.kills == 0;
}

/* Three levels, some leave when asked and some must be killed: one grace
 * for all of them, not one per level. */
static void three_levels_one_grace(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);
    terminus_result r = fx_garbage_result();

    fx_open(&f);
    fx_add(&f, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 200, 3);
    child(&f, 51, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 300);
    child(&f, 52, 50, TERMINUS_FAKE_IGNORES, 0);
    child(&f, 53, 51, TERMINUS_FAKE_EXITS_ON_REQUEST, 100);
    child(&f, 54, 52, TERMINUS_FAKE_IGNORES, 0);
    fx_add(&f, 60, TERMINUS_FAKE_IGNORES, 0, 0); /* not in the tree */
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
    CHECK_RC(r.status, TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r.exit_code, 3);
    CHECK_EQ(r.elapsed_us, 200000);
    CHECK_EQ(d.tree_members, 5);
    CHECK_EQ(d.tree_escaped, 0);
    CHECK_EQ(d.ended_by, TERMINUS_STEP_MESSAGE);
    /* every member asked at once; the stubborn ones killed when the one
     * grace ended */
    for (terminus_pid pid = 50; pid <= 54; pid++) {
        CHECK_EQ(fx_proc(&f, pid).requests, 1);
        CHECK(!fx_proc(&f, pid).running);
    }
    CHECK_EQ(fx_proc(&f, 52).kills, 1);
    CHECK_EQ(fx_proc(&f, 54).kills, 1);
    CHECK_EQ(fx_proc(&f, 52).ended_us, 1000000);
    CHECK_EQ(fx_proc(&f, 54).ended_us, 1000000);
    CHECK_EQ(fx_proc(&f, 51).kills, 0);
    CHECK_EQ(fx_proc(&f, 53).ended_us, 100000);
    CHECK(untouched(&f, 60));
    CHECK_EQ(terminus_fake_now_us(f.fake), 1000000);
    /* each member opened once and checked through its handle */
    CHECK_EQ(fx_calls(&f, "process_open"), 5);
    CHECK_EQ(fx_calls(&f, "process_identity"), 5);
    fx_close(&f);
}

/* A member forks while it is asked to leave: a scan during the grace finds
 * the child, which is asked too, then killed with the rest. */
static void fork_during_grace(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 50, TERMINUS_FAKE_IGNORES, 0, 0);
    child(&f, 51, 50, TERMINUS_FAKE_IGNORES, 0);
    REQUIRE_RC(terminus_fake_process_fork_on(f.fake, 51, TERMINUS_STEP_MESSAGE, 70, 1,
                                             TERMINUS_FAKE_IGNORES, 0, 0),
               TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(d.tree_members, 3);
    CHECK_EQ(d.tree_escaped, 0);
    CHECK(!fx_proc(&f, 70).running);
    CHECK_EQ(fx_proc(&f, 70).requests, 1); /* asked in what was left of the grace */
    CHECK_EQ(fx_proc(&f, 70).kills, 1);
    CHECK_EQ(fx_proc(&f, 70).ended_us, 1000000); /* the same grace as the others */
    CHECK(fx_log_contains(&f, "process_identity(70) = 0"));
    fx_close(&f);
}

/* The member that forked leaves at once: its child keeps its link (as on
 * Windows), the member's handle is held, the child is found all the same. */
static void fork_then_leave(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 20, 0);
    child(&f, 51, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 10);
    REQUIRE_RC(terminus_fake_process_fork_on(f.fake, 51, TERMINUS_STEP_MESSAGE, 70, 1,
                                             TERMINUS_FAKE_EXITS_ON_REQUEST, 30, 0),
               TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(d.tree_members, 3);
    CHECK_EQ(d.tree_escaped, 0);
    CHECK(!fx_proc(&f, 70).running);
    CHECK_EQ(fx_proc(&f, 70).requests, 1);
    CHECK_EQ(fx_proc(&f, 70).kills, 0);
    /* found when nothing else ran, long before the grace was over */
    CHECK(terminus_fake_now_us(f.fake) < 100000);
    fx_close(&f);
}

/* Where the OS re-parents orphans (TERMINUS_OS_REPARENTS, Linux): the child
 * of a member that has ended is re-parented (to init, here) and is outside
 * the tree, as a daemon that forked twice; no scan is made once every
 * member has ended, since none could find anything. */
static void reparented_away(void)
{
    fx f;
    terminus_ctx *ctx = NULL;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);
    terminus_result r;
    terminus_process_info *list = NULL;
    size_t n = 0;

    fx_open(&f);
    REQUIRE_RC(terminus_fake_set_traits(f.fake, TERMINUS_OS_REPARENTS), TERMINUS_OK);
    REQUIRE_RC(terminus_ctx_new(&ctx, terminus_fake_os(f.fake)), TERMINUS_OK);
    fx_add(&f, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 20, 0);
    child(&f, 51, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 10);
    REQUIRE_RC(terminus_fake_process_fork_on(f.fake, 51, TERMINUS_STEP_MESSAGE, 70, 1,
                                             TERMINUS_FAKE_IGNORES, 0, 0),
               TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(ctx, 50, &o, &r), TERMINUS_OK);
    CHECK_EQ(d.tree_members, 2);
    CHECK_EQ(d.tree_escaped, 0);
    CHECK(untouched(&f, 70)); /* re-parented away before any scan could see it */
    CHECK_EQ(fx_calls(&f, "process_list"), 1);
    REQUIRE_RC(terminus_process_list(ctx, &list, &n), TERMINUS_OK);
    REQUIRE_EQ(n, 1);
    CHECK_EQ(list[0].pid, 70);
    CHECK_EQ(list[0].ppid, 1);
    terminus_process_list_free(list);
    /* stubborn members killed: no scan after the kills either */
    fx_add(&f, 60, TERMINUS_FAKE_IGNORES, 0, 0);
    child(&f, 61, 60, TERMINUS_FAKE_IGNORES, 0);
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_terminate(ctx, 60, &o, &r), TERMINUS_OK);
    CHECK_EQ(d.tree_members, 2);
    CHECK_EQ(fx_calls(&f, "process_list"), 1 + 4); /* the quarters and the end of the grace */
    CHECK(fx_proc(&f, 70).running);
    terminus_ctx_free(ctx);
    /* without the trait (Windows keeps the link) the kills are followed by a scan */
    fx_add(&f, 80, TERMINUS_FAKE_IGNORES, 0, 0);
    child(&f, 81, 80, TERMINUS_FAKE_IGNORES, 0);
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_terminate(f.ctx, 80, &o, &r), TERMINUS_OK);
    CHECK_EQ(fx_calls(&f, "process_list"), 1 + 4 + 1);
    fx_close(&f);
}

/* A child whose start is before its parent's has a stale link (its real
 * parent ended and the pid was reused): never a member, nor its children. */
static void stale_parent_link(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);
    terminus_result r;

    fx_open(&f);
    REQUIRE_RC(terminus_fake_advance(f.fake, 500000), TERMINUS_OK);
    child_at(&f, 50, 0, TERMINUS_FAKE_EXITS_ON_REQUEST, 200000);
    child_at(&f, 51, 50, TERMINUS_FAKE_IGNORES, 100000); /* stale */
    child_at(&f, 52, 51, TERMINUS_FAKE_IGNORES, 150000); /* its child */
    child_at(&f, 53, 50, TERMINUS_FAKE_IGNORES, 200000); /* same start: a child */
    child_at(&f, 54, 1, TERMINUS_FAKE_IGNORES, 300000);  /* re-parented to init */
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
    CHECK_EQ(d.tree_members, 2);
    CHECK(untouched(&f, 51));
    CHECK(untouched(&f, 52));
    CHECK(untouched(&f, 54));
    CHECK(!fx_proc(&f, 53).running);
    CHECK(!fx_log_contains(&f, "process_open(51)"));
    CHECK(!fx_log_contains(&f, "process_open(52)"));
    fx_close(&f);
}

/* A member listed, then ended, its pid reused before the open: the process
 * that has the pid now is not the member and is never signalled. */
static void member_pid_reused(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 50, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 51, TERMINUS_FAKE_EXITS_AFTER, 1, 0);
    REQUIRE_RC(terminus_fake_process_set_parent(f.fake, 51, 50), TERMINUS_OK);
    /* pid 51 again, 1.5 ms in, another process */
    REQUIRE_RC(terminus_fake_process_add_at(f.fake, 51, TERMINUS_FAKE_IGNORES, 0, 0, 1500),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_set_latency(f.fake, "process_open", 2000), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
    CHECK(untouched(&f, 51)); /* the new 51 */
    CHECK(fx_log_contains(&f, "process_identity(51) = 0 [start 1500"));
    CHECK(!fx_log_contains(&f, "process_step(51"));
    CHECK(!fx_log_contains(&f, "process_kill(51"));
    CHECK_EQ(d.tree_members, 2); /* the old 51 was a member, and it ended */
    CHECK_EQ(d.tree_escaped, 0);
    fx_close(&f);
}

/* A tree that keeps forking while it is asked: at most TM_TREE_ROUNDS (8)
 * scans; what the last one finds escaped, and the target's result says so. */
static void rounds_bound(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);
    terminus_result r = fx_garbage_result();

    fx_open(&f);
    fx_add(&f, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 1, 0);
    REQUIRE_RC(terminus_fake_process_fork_on(f.fake, 50, TERMINUS_STEP_MESSAGE, 101, 20,
                                             TERMINUS_FAKE_EXITS_ON_REQUEST, 1, 0),
               TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_E_TIMEOUT);
    CHECK_ERROR(TERMINUS_E_TIMEOUT, "pid 108");
    CHECK_ERROR(TERMINUS_E_TIMEOUT, "still being forked");
    CHECK_RC(r.status, TERMINUS_E_TIMEOUT);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_EQ(d.ended_by, TERMINUS_STEP_MESSAGE); /* the target itself left */
    CHECK_EQ(fx_calls(&f, "process_list"), 1 + 8);
    CHECK_EQ(d.tree_members, 1 + 8);
    CHECK_EQ(d.tree_escaped, 1);
    for (terminus_pid pid = 101; pid <= 107; pid++)
        CHECK(!fx_proc(&f, pid).running);
    CHECK(untouched(&f, 108)); /* found by the last scan: not handled */
    CHECK_RC(terminus_fake_process_get(f.fake, 109, &(terminus_fake_process_info){ 0 }),
             TERMINUS_E_NOT_FOUND);
    fx_close(&f);
}

/* A root that is the caller or one of its ancestors: REFUSED, nothing sent
 * to any target, nothing opened. */
static void caller_line_refused(void)
{
    fx f;
    terminus_terminate_options o = tree_opts(0, NULL, 0);
    terminus_pid pids[2] = { 42, 900 };
    terminus_result r[2];

    fx_open(&f);
    fx_add(&f, 800, TERMINUS_FAKE_IGNORES, 0, 0);
    child(&f, 900, 800, TERMINUS_FAKE_IGNORES, 0);
    child(&f, 1000, 900, TERMINUS_FAKE_IGNORES, 0); /* the caller */
    child(&f, 901, 800, TERMINUS_FAKE_EXITS_ON_REQUEST, 5);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 900, &o, NULL), TERMINUS_E_REFUSED);
    CHECK_ERROR(TERMINUS_E_REFUSED, "ancestor of the calling process");
    CHECK_RC(terminus_terminate(f.ctx, 800, &o, NULL), TERMINUS_E_REFUSED);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 2, &o, r), TERMINUS_E_REFUSED);
    CHECK_RC(r[0].status, TERMINUS_E_REFUSED);
    CHECK_RC(r[1].status, TERMINUS_E_REFUSED);
    CHECK_RC(terminus_terminate(f.ctx, 1000, &o, NULL), TERMINUS_E_REFUSED);
    CHECK_EQ(fx_calls(&f, "process_open"), 0);
    CHECK_EQ(fx_calls(&f, NULL), fx_calls(&f, "process_list"));
    CHECK(untouched(&f, 42) && untouched(&f, 800) && untouched(&f, 900));
    /* a sibling's tree does not hold the caller */
    CHECK_RC(terminus_terminate(f.ctx, 901, &o, NULL), TERMINUS_OK);
    fx_close(&f);
}

/* Under NO_FORCE what does not leave is TIMEOUT, counted, never killed. */
static void no_force(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(TERMINUS_TERMINATE_NO_FORCE, &d, 1);
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0);
    child(&f, 51, 50, TERMINUS_FAKE_IGNORES, 0);
    child(&f, 52, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 10);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_E_TIMEOUT);
    CHECK_ERROR(TERMINUS_E_TIMEOUT, "pid 51");
    CHECK_EQ(d.tree_members, 3);
    CHECK_EQ(d.tree_escaped, 1);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    CHECK(fx_proc(&f, 51).running);
    fx_close(&f);
}

/* FORCE: every member killed at once, nothing asked. */
static void force(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(TERMINUS_TERMINATE_FORCE, &d, 1);
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 50, TERMINUS_FAKE_IGNORES, 0, 0);
    child(&f, 51, 50, TERMINUS_FAKE_IGNORES, 0);
    child(&f, 52, 51, TERMINUS_FAKE_IGNORES, 0);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(d.tree_members, 3);
    for (terminus_pid pid = 50; pid <= 52; pid++) {
        CHECK_EQ(fx_proc(&f, pid).kills, 1);
        CHECK_EQ(fx_proc(&f, pid).requests, 0);
    }
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    fx_close(&f);
}

/* A member that cannot be killed, one that cannot be opened: the target's
 * result is the tree's (the first failure of a member), its detail still
 * says how the target itself ended; the children of the member that could
 * not be opened are members all the same. */
static void escaped_members(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0);
    child(&f, 51, 50, TERMINUS_FAKE_KILL_DENIED, 0);
    child(&f, 52, 50, TERMINUS_FAKE_DENIED, 0);
    child(&f, 53, 52, TERMINUS_FAKE_IGNORES, 0);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_E_ACCESS_DENIED);
    CHECK_ERROR(TERMINUS_E_ACCESS_DENIED, "terminus_terminate(pid 50)");
    CHECK_ERROR(TERMINUS_E_ACCESS_DENIED, "2 of its 4 processes did not end");
    CHECK_RC(r.status, TERMINUS_E_ACCESS_DENIED);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_EQ(d.ended_by, TERMINUS_STEP_MESSAGE);
    CHECK_EQ(d.tree_members, 4);
    CHECK_EQ(d.tree_escaped, 2);
    CHECK(!fx_proc(&f, 53).running); /* the denied member's child */
    fx_close(&f);
}

/* Two targets, one in the other's tree: each process is in one tree only. */
static void two_roots(void)
{
    fx f;
    terminus_detail d[2];
    terminus_terminate_options o = tree_opts(0, d, 2);
    terminus_pid pids[2] = { 50, 51 };
    terminus_result r[2];

    fx_open(&f);
    fx_add(&f, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0);
    child(&f, 51, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 10);
    child(&f, 52, 51, TERMINUS_FAKE_EXITS_ON_REQUEST, 10);
    child(&f, 53, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 10);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate_many(f.ctx, pids, 2, &o, r), TERMINUS_OK);
    CHECK_EQ(d[0].tree_members, 2); /* 50, 53 */
    CHECK_EQ(d[1].tree_members, 2); /* 51, 52 */
    CHECK_EQ(fx_proc(&f, 52).requests, 1);
    CHECK_EQ(fx_calls(&f, "process_open"), 4);
    fx_close(&f);
}

/* More members than handles: batches, each with its own grace; every member
 * held by its identity, all ended, nothing left open. */
static void handle_limit(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 50, TERMINUS_FAKE_IGNORES, 0, 0);
    for (terminus_pid pid = 51; pid <= 60; pid++)
        child(&f, pid, pid == 51 ? 50 : pid - 1, TERMINUS_FAKE_IGNORES, 0);
    REQUIRE_RC(terminus_fake_set_handle_limit(f.fake, 4), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
    CHECK_EQ(d.tree_members, 11);
    CHECK_EQ(d.tree_escaped, 0);
    for (terminus_pid pid = 50; pid <= 60; pid++)
        CHECK(!fx_proc(&f, pid).running);
    CHECK(terminus_fake_now_us(f.fake) > 1000000); /* more than one grace window */
    fx_close(&f);
}

static size_t ended_events, other_events;

static void on_progress(void *arg, const terminus_progress *p)
{
    (void)arg;
    CHECK_EQ(p->index, 0);
    CHECK_EQ(p->pid, 50);
    if (p->event == TERMINUS_PROGRESS_ENDED) {
        ended_events++;
        CHECK_RC(p->status, TERMINUS_E_ACCESS_DENIED); /* the tree's */
    } else {
        other_events++;
    }
}

/* Progress: the targets' events only, and their ENDED once the whole tree is
 * settled, with the tree's status. */
static void progress_of_the_target(void)
{
    fx f;
    terminus_terminate_options o = tree_opts(0, NULL, 0);

    fx_open(&f);
    fx_add(&f, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0);
    child(&f, 51, 50, TERMINUS_FAKE_KILL_DENIED, 0);
    o.progress = on_progress;
    ended_events = other_events = 0;
    CHECK_RC(terminus_terminate(f.ctx, 50, &o, NULL), TERMINUS_E_ACCESS_DENIED);
    CHECK_EQ(ended_events, 1);
    CHECK_EQ(other_events, 1); /* its one step */
    fx_close(&f);
}

/* A table without process_list (or process_identity): a tree is
 * UNSUPPORTED, nothing done; without the flag the terminate works. */
static void unsupported(void)
{
    fx f;
    terminus_os table;
    terminus_ctx *ctx = NULL;
    terminus_terminate_options o = tree_opts(0, NULL, 0);
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0);
    table = *terminus_fake_os(f.fake);
    table.process_list = NULL;
    REQUIRE_RC(terminus_ctx_new(&ctx, &table), TERMINUS_OK);
    CHECK_RC(terminus_terminate(ctx, 50, &o, &r), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "process_list");
    CHECK_RC(r.status, TERMINUS_E_UNSUPPORTED);
    terminus_ctx_free(ctx);
    table.process_list = terminus_fake_os(f.fake)->process_list;
    table.process_identity = NULL;
    REQUIRE_RC(terminus_ctx_new(&ctx, &table), TERMINUS_OK);
    CHECK_RC(terminus_terminate(ctx, 50, &o, &r), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "process_identity");
    CHECK_EQ(fx_calls(&f, NULL), 0);
    o.flags = 0;
    CHECK_RC(terminus_terminate(ctx, 50, &o, &r), TERMINUS_OK);
    terminus_ctx_free(ctx);
    fx_close(&f);
}

/* A target that is not there: NOT_FOUND, no member; a target gone: GONE. */
static void target_missing_or_gone(void)
{
    fx f;
    terminus_detail d[2];
    terminus_terminate_options o = tree_opts(0, d, 2);
    terminus_pid pids[2] = { 77, 50 };
    terminus_result r[2];

    fx_open(&f);
    fx_add(&f, 50, TERMINUS_FAKE_GONE, 0, 4);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 2, &o, r), TERMINUS_E_NOT_FOUND);
    CHECK_RC(r[0].status, TERMINUS_E_NOT_FOUND);
    CHECK_EQ(d[0].tree_members, 0);
    CHECK_RC(r[1].status, TERMINUS_OK);
    CHECK_EQ(r[1].outcome, TERMINUS_OUTCOME_GONE);
    CHECK_EQ(d[1].tree_members, 1);
    fx_close(&f);
}

/* Without the flag nothing changes: tree_members is 1, no listing. */
static void without_the_flag(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);

    fx_open(&f);
    fx_add(&f, 50, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0);
    child(&f, 51, 50, TERMINUS_FAKE_IGNORES, 0);
    o.flags = 0;
    CHECK_RC(terminus_terminate(f.ctx, 50, &o, NULL), TERMINUS_OK);
    CHECK_EQ(d.tree_members, 1);
    CHECK_EQ(d.tree_escaped, 0);
    CHECK_EQ(fx_calls(&f, "process_list"), 0);
    CHECK(untouched(&f, 51));
    fx_close(&f);
}

HARNESS_MAIN(T(three_levels_one_grace), T(fork_during_grace), T(fork_then_leave),
             T(reparented_away), T(stale_parent_link), T(member_pid_reused), T(rounds_bound),
             T(caller_line_refused), T(no_force), T(force), T(escaped_members), T(two_roots),
             T(handle_limit), T(progress_of_the_target), T(unsupported), T(target_missing_or_gone),
             T(without_the_flag))
