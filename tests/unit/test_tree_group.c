/*
 * tests/unit/test_tree_group.c: a TERMINUS_TERMINATE_TREE over the OS group
 * that holds the tree (lib/core/tree_group.c; a cgroup on Linux, a job
 * object on Windows), through the fake's groups: the group used when it
 * holds the tree alone (the scans list it, group_kill follows the kills,
 * group_empty says what escaped), the walk when it holds an outsider or a
 * re-parented process, a job given (every member ended; the target not in
 * it, the caller in it, a job without TREE), NO_FORCE never killing the
 * group, FORCE killing it at once, forks into the group during the grace
 * and the batches of a tree with more members than handles.
 */
#include <stdint.h>
#include <string.h>

#include "fixture.h"

#define GRACE_MS 1000u
#define GROUP    5u

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

static void *job_of(uint32_t group)
{
    return (void *)(uintptr_t)group;
}

/* A scripted process with a parent (0: none), in a group (0: none). */
static void proc(fx *f, terminus_pid pid, terminus_pid ppid, int behaviour, uint32_t group)
{
    fx_add(f, pid, behaviour, 10, 0);
    if (ppid != 0)
        REQUIRE_RC(terminus_fake_process_set_parent(f->fake, pid, ppid), TERMINUS_OK);
    if (group != 0)
        REQUIRE_RC(terminus_fake_process_set_group(f->fake, pid, group), TERMINUS_OK);
}

static int untouched(fx *f, terminus_pid pid)
{
    terminus_fake_process_info p = fx_proc(f, pid);

    return p.running && p.requests == 0 && p.kills == 0;
}

/* 50 with 51 and 52, 51 with 53: all stubborn, all in GROUP. */
static void grouped_tree(fx *f)
{
    proc(f, 50, 0, TERMINUS_FAKE_IGNORES, GROUP);
    proc(f, 51, 50, TERMINUS_FAKE_IGNORES, GROUP);
    proc(f, 52, 50, TERMINUS_FAKE_IGNORES, GROUP);
    proc(f, 53, 51, TERMINUS_FAKE_IGNORES, GROUP);
}

/* The group holds the tree alone: it is the tree. Every member asked with
 * the one grace and killed one by one, then the group killed once; the
 * scans list the group, never every process again. */
static void group_is_the_tree(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);
    terminus_result r;

    fx_open(&f);
    grouped_tree(&f);
    proc(&f, 60, 0, TERMINUS_FAKE_IGNORES, 0); /* not in the tree */
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(d.tree_group, TERMINUS_TREE_GROUP);
    CHECK_EQ(d.tree_members, 4);
    CHECK_EQ(d.tree_escaped, 0);
    for (terminus_pid pid = 50; pid <= 53; pid++) {
        CHECK_EQ(fx_proc(&f, pid).requests, 1);
        CHECK(!fx_proc(&f, pid).running);
        CHECK_EQ(fx_proc(&f, pid).ended_us, 1000000);
    }
    CHECK(untouched(&f, 60));
    CHECK_EQ(fx_calls(&f, "process_list"), 1); /* the first listing only */
    CHECK(fx_calls(&f, "group_list") > 1);     /* the group: opening and scans */
    CHECK_EQ(fx_calls(&f, "group_open"), 1);
    CHECK_EQ(fx_calls(&f, "group_kill"), 1);
    CHECK(fx_log_contains(&f, "group_kill(5, 9) = 0"));
    CHECK_EQ(fx_calls(&f, "group_close"), 1);
    fx_close(&f);
}

/* A process in the group that is not of the tree (an outsider), or that
 * re-parented away: the group is not the tree, the process list is walked
 * and the process is left alone; the group is never killed. */
static void outsider_or_reparented_walks(void)
{
    for (int reparented = 0; reparented <= 1; reparented++) {
        fx f;
        terminus_detail d;
        terminus_terminate_options o = tree_opts(0, &d, 1);
        terminus_result r;

        fx_open(&f);
        grouped_tree(&f);
        /* a daemon that forked twice (its parent link is init now), or an
         * unrelated process, in the same group */
        proc(&f, 70, reparented ? 1 : 0, TERMINUS_FAKE_IGNORES, GROUP);
        terminus_fake_calls_clear(f.fake);

        CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
        CHECK_EQ(d.tree_group, TERMINUS_TREE_WALKED);
        CHECK_EQ(d.tree_members, 4);
        CHECK(untouched(&f, 70));
        CHECK_EQ(fx_calls(&f, "group_kill"), 0);
        CHECK_EQ(fx_calls(&f, "group_open"), fx_calls(&f, "group_close"));
        CHECK(fx_calls(&f, "process_list") > 1); /* the walk's scans */
        fx_close(&f);
    }
}

/* No group (a process in none, in the caller's own, a group that cannot be
 * opened or listed): the walk, silently, and the same result; the thread's
 * error record stays as it was before the call (it succeeded). */
static void no_group_walks(void)
{
    static const struct {
        const char *prim;
        int code;
    } faults[] = {
        { NULL, 0 },
        { "group_open", TERMINUS_E_ACCESS_DENIED },
        { "group_open", TERMINUS_E_OS },
        { "group_list", TERMINUS_E_OS },
        { "self", 0 },
    };

    for (size_t k = 0; k < sizeof faults / sizeof faults[0]; k++) {
        fx f;
        terminus_detail d;
        terminus_terminate_options o = tree_opts(0, &d, 1);
        terminus_result r;

        fx_open(&f);
        grouped_tree(&f);
        if (faults[k].prim == NULL)
            REQUIRE_RC(terminus_fake_process_set_group(f.fake, 50, 0), TERMINUS_OK);
        else if (faults[k].code == 0)
            REQUIRE_RC(terminus_fake_set_self_group(f.fake, GROUP), TERMINUS_OK);
        else
            REQUIRE_RC(terminus_fake_fail(f.fake, faults[k].prim, 1, 0, faults[k].code, 5),
                       TERMINUS_OK);
        terminus_fake_calls_clear(f.fake);
        (void)terminus_terminate(f.ctx, 0, &o, &r); /* a record to keep */
        REQUIRE_EQ(terminus_error_last()->code, TERMINUS_E_INVALID);

        CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
        CHECK_EQ(terminus_error_last()->code, TERMINUS_E_INVALID);
        CHECK(strstr(terminus_error_last()->message, "pid 0") != NULL);
        CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
        CHECK_EQ(d.tree_group, TERMINUS_TREE_WALKED);
        CHECK_EQ(d.tree_members, 4);
        for (terminus_pid pid = 50; pid <= 53; pid++)
            CHECK(!fx_proc(&f, pid).running);
        CHECK_EQ(fx_calls(&f, "group_kill"), 0);
        fx_close(&f);
    }
}

/* A job given is the tree: every process in it is a member, one that
 * re-parented away and one that was never linked included; a child of the
 * target outside the job is not (the job is the caller's statement). */
static void job_every_member(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);
    terminus_result r;

    fx_open(&f);
    grouped_tree(&f);
    proc(&f, 70, 1, TERMINUS_FAKE_IGNORES, GROUP);          /* re-parented away */
    proc(&f, 71, 0, TERMINUS_FAKE_EXITS_ON_REQUEST, GROUP); /* never linked */
    proc(&f, 80, 50, TERMINUS_FAKE_IGNORES, 6);             /* a child in another job */
    o.job = job_of(GROUP);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(d.tree_group, TERMINUS_TREE_GROUP);
    CHECK_EQ(d.tree_members, 6);
    CHECK_EQ(d.tree_escaped, 0);
    for (terminus_pid pid = 50; pid <= 53; pid++)
        CHECK(!fx_proc(&f, pid).running);
    CHECK(!fx_proc(&f, 70).running);
    CHECK_EQ(fx_proc(&f, 70).requests, 1);
    CHECK(!fx_proc(&f, 71).running);
    CHECK_EQ(fx_proc(&f, 71).kills, 0); /* it left when asked */
    CHECK(untouched(&f, 80));
    CHECK(fx_log_contains(&f, "group_open(50, 5) = 0"));
    CHECK_EQ(fx_calls(&f, "process_list"), 1); /* the first listing: the caller's line */
    CHECK_EQ(fx_calls(&f, "group_kill"), 1);
    fx_close(&f);
}

/* A job whose target has already ended: the rest of the job is still its
 * tree. */
static void job_target_gone(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);
    terminus_result r;

    fx_open(&f);
    proc(&f, 50, 0, TERMINUS_FAKE_GONE, GROUP);
    proc(&f, 51, 50, TERMINUS_FAKE_IGNORES, GROUP);
    o.job = job_of(GROUP);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_GONE);
    CHECK_EQ(d.tree_group, TERMINUS_TREE_GROUP);
    CHECK_EQ(d.tree_members, 2);
    CHECK(!fx_proc(&f, 51).running);
    fx_close(&f);
}

/* A job that cannot be used is the target's error, and nothing is sent to
 * its tree: the target not in the job (INVALID), the caller in it (REFUSED,
 * whether group_open says so or the listing shows the caller), a failure
 * to open or list it. */
static void job_refused(void)
{
    static const struct {
        int what; /* 0: not in it; 1: the caller's own; 2: the caller listed; 3, 4: faults */
        int code;
        const char *text;
    } cases[] = {
        { 0, TERMINUS_E_INVALID, "not in job 6" },
        { 1, TERMINUS_E_REFUSED, "the caller is in job 5" },
        { 2, TERMINUS_E_REFUSED, "the caller (pid 1000) is in the job" },
        { 3, TERMINUS_E_UNSUPPORTED, "group_open failed" },
        { 4, TERMINUS_E_ACCESS_DENIED, "group_list failed" },
    };

    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        fx f;
        terminus_detail d;
        terminus_terminate_options o = tree_opts(0, &d, 1);
        terminus_pid pids[2] = { 50, 90 };
        terminus_result r[2];

        fx_open(&f);
        grouped_tree(&f);
        proc(&f, 90, 0, TERMINUS_FAKE_EXITS_ON_REQUEST, GROUP);
        o.job = job_of(GROUP);
        if (cases[k].what == 0)
            o.job = job_of(6);
        else if (cases[k].what == 1)
            REQUIRE_RC(terminus_fake_set_self_group(f.fake, GROUP), TERMINUS_OK);
        else if (cases[k].what == 2)
            proc(&f, 1000, 0, TERMINUS_FAKE_IGNORES, GROUP); /* the caller, in a group below */
        else
            REQUIRE_RC(terminus_fake_fail(f.fake, cases[k].what == 3 ? "group_open" : "group_list",
                                          1, 1, cases[k].code, 5),
                       TERMINUS_OK);
        terminus_fake_calls_clear(f.fake);

        CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r[0]), cases[k].code);
        CHECK_ERROR(cases[k].code, cases[k].text);
        CHECK_ERROR(cases[k].code, "terminus_terminate(pid 50)");
        CHECK_RC(r[0].status, cases[k].code);
        CHECK_EQ(d.tree_group, TERMINUS_TREE_WALKED);
        for (terminus_pid pid = 50; pid <= 53; pid++)
            CHECK(untouched(&f, pid));
        CHECK(untouched(&f, 90));
        CHECK_EQ(fx_calls(&f, "group_kill"), 0);
        /* each target on its own: the other one's job is its own matter */
        o.details = NULL;
        o.details_count = 0;
        CHECK_RC(terminus_terminate_many(f.ctx, pids, 2, &o, r), cases[k].code);
        CHECK_RC(r[0].status, cases[k].code);
        for (terminus_pid pid = 50; pid <= 53; pid++)
            CHECK(untouched(&f, pid));
        fx_close(&f);
    }
}

/* A job needs TREE and a version-2 struct: INVALID before anything is
 * asked of the OS; a version-1 struct never reads it. */
static void job_needs_tree(void)
{
    fx f;
    terminus_terminate_options o = tree_opts(0, NULL, 0);
    terminus_result r = fx_garbage_result();

    fx_open(&f);
    grouped_tree(&f);
    terminus_fake_calls_clear(f.fake);
    o.flags = 0;
    o.job = job_of(GROUP);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "opts->job");
    CHECK_ERROR(TERMINUS_E_INVALID, "TERMINUS_TERMINATE_TREE");
    CHECK_RC(r.status, TERMINUS_E_INVALID);
    CHECK_EQ(fx_calls(&f, NULL), 0);

    /* version 1: the member is not the caller's, whatever it holds */
    o = fx_opts(TERMINUS_TERMINATE_FORCE, GRACE_MS, 9);
    o.job = job_of(GROUP);
    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
    CHECK_EQ(fx_calls(&f, "group_open"), 0);
    CHECK(fx_proc(&f, 51).running); /* no tree */
    fx_close(&f);
}

/* A table without the group members: a job is UNSUPPORTED before anything
 * is sent; without a job the tree is walked. */
static void job_unsupported(void)
{
    fx f;
    terminus_os table;
    terminus_ctx *ctx = NULL;
    terminus_terminate_options o = tree_opts(0, NULL, 0);
    terminus_detail d;

    fx_open(&f);
    grouped_tree(&f);
    table = *terminus_fake_os(f.fake);
    table.group_open = NULL;
    REQUIRE_RC(terminus_ctx_new(&ctx, &table), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);
    o.job = job_of(GROUP);

    CHECK_RC(terminus_terminate(ctx, 50, &o, NULL), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "group_open");
    CHECK_EQ(fx_calls(&f, NULL), 0);
    o = tree_opts(0, &d, 1);
    CHECK_RC(terminus_terminate(ctx, 50, &o, NULL), TERMINUS_OK);
    CHECK_EQ(d.tree_group, TERMINUS_TREE_WALKED);
    CHECK_EQ(d.tree_members, 4);
    terminus_ctx_free(ctx);
    fx_close(&f);
}

/* NO_FORCE never kills the group (nor anything else); FORCE kills it at
 * once, with every member. */
static void no_force_and_force(void)
{
    for (int force = 0; force <= 1; force++) {
        fx f;
        terminus_detail d;
        terminus_terminate_options o =
            tree_opts(force ? TERMINUS_TERMINATE_FORCE : TERMINUS_TERMINATE_NO_FORCE, &d, 1);
        terminus_result r;

        fx_open(&f);
        grouped_tree(&f);
        terminus_fake_calls_clear(f.fake);

        if (force) {
            CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
            CHECK_EQ(fx_calls(&f, "group_kill"), 1);
            CHECK_EQ(terminus_fake_now_us(f.fake), 0);
            for (terminus_pid pid = 50; pid <= 53; pid++)
                CHECK_EQ(fx_proc(&f, pid).requests, 0);
        } else {
            CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_E_TIMEOUT);
            CHECK_EQ(fx_calls(&f, "group_kill"), 0);
            CHECK_EQ(fx_calls(&f, "process_kill"), 0);
            CHECK_EQ(d.tree_escaped, 4);
            for (terminus_pid pid = 50; pid <= 53; pid++)
                CHECK(fx_proc(&f, pid).running);
        }
        CHECK_EQ(d.tree_group, TERMINUS_TREE_GROUP);
        CHECK_EQ(d.tree_members, 4);
        fx_close(&f);
    }
}

/* A member forks into the group while it is asked to leave: a scan of the
 * group finds the child (as the walk would), asks it in what is left of
 * the grace and kills it with the rest. Where the OS re-parents orphans,
 * the group is still scanned once every member has ended. */
static void fork_into_group(void)
{
    for (int reparents = 0; reparents <= 1; reparents++) {
        fx f;
        terminus_detail d;
        terminus_terminate_options o = tree_opts(0, &d, 1);
        terminus_result r;

        fx_open(&f);
        if (reparents)
            REQUIRE_RC(terminus_fake_set_traits(f.fake, TERMINUS_OS_REPARENTS), TERMINUS_OK);
        terminus_ctx_free(f.ctx);
        REQUIRE_RC(terminus_ctx_new(&f.ctx, terminus_fake_os(f.fake)), TERMINUS_OK);
        proc(&f, 50, 0, TERMINUS_FAKE_EXITS_ON_REQUEST, GROUP);
        proc(&f, 51, 50, reparents ? TERMINUS_FAKE_EXITS_ON_REQUEST : TERMINUS_FAKE_IGNORES, GROUP);
        /* 51 forks 70 (in its group, linked to 51) when asked; 70 ignores */
        REQUIRE_RC(terminus_fake_process_fork_on(f.fake, 51, TERMINUS_STEP_MESSAGE, 70, 1,
                                                 TERMINUS_FAKE_IGNORES, 0, 0),
                   TERMINUS_OK);
        terminus_fake_calls_clear(f.fake);

        CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
        CHECK_EQ(d.tree_group, TERMINUS_TREE_GROUP);
        CHECK_EQ(d.tree_members, 3);
        CHECK_EQ(d.tree_escaped, 0);
        CHECK(!fx_proc(&f, 70).running);
        CHECK_EQ(fx_proc(&f, 70).requests, 1);
        CHECK_EQ(fx_proc(&f, 70).ended_us, 1000000);
        CHECK(fx_log_contains(&f, "process_identity(70) = 0"));
        CHECK_EQ(fx_calls(&f, "process_list"), 1);
        fx_close(&f);
    }
}

/* Something that starts in the group after the last scan and that its
 * kill cannot end: group_empty says the group is not empty, and what is
 * still in it counts as escaped (E_TIMEOUT). A process that starts in the
 * group after its kill ends by the kill (the fake's cgroup.kill). */
static void escaped_into_group(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(TERMINUS_TERMINATE_FORCE, &d, 1);
    terminus_result r;

    fx_open(&f);
    proc(&f, 50, 0, TERMINUS_FAKE_IGNORES, GROUP);
    proc(&f, 51, 50, TERMINUS_FAKE_IGNORES, GROUP);
    /* the last look at the group costs 5 ms: 72 starts meanwhile, 73 a
     * little after (a kill racing a fork) */
    REQUIRE_RC(terminus_fake_set_latency(f.fake, "group_empty", 5000), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_add_at(f.fake, 72, TERMINUS_FAKE_UNKILLABLE, 0, 0, 5000),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_set_parent(f.fake, 72, 51), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_set_group(f.fake, 72, GROUP), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_add_at(f.fake, 73, TERMINUS_FAKE_IGNORES, 0, 0, 5000),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_set_group(f.fake, 73, GROUP), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_E_TIMEOUT);
    CHECK_ERROR(TERMINUS_E_TIMEOUT, "pid 72 is still in the group");
    CHECK_ERROR(TERMINUS_E_TIMEOUT, "1 of its 3 processes did not end");
    CHECK_EQ(d.tree_group, TERMINUS_TREE_GROUP);
    CHECK_EQ(d.tree_members, 3);
    CHECK_EQ(d.tree_escaped, 1);
    CHECK_EQ(d.ended_by, TERMINUS_ENDED_KILL);
    CHECK(fx_proc(&f, 72).running);
    CHECK(!fx_proc(&f, 73).running); /* started in the group after its kill */
    CHECK_EQ(fx_proc(&f, 73).kills, 1);
    fx_close(&f);
}

/* A member whose own kill is refused: the group's kill still ends it (its
 * result keeps the refusal); an unkillable one escapes. */
static void group_kill_failing(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);
    terminus_result r;

    fx_open(&f);
    proc(&f, 50, 0, TERMINUS_FAKE_EXITS_ON_REQUEST, GROUP);
    proc(&f, 51, 50, TERMINUS_FAKE_KILL_DENIED, GROUP);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_E_ACCESS_DENIED);
    CHECK_EQ(d.tree_group, TERMINUS_TREE_GROUP);
    CHECK_EQ(fx_calls(&f, "group_kill"), 1);
    CHECK(!fx_proc(&f, 51).running);
    fx_close(&f);

    /* the group's kill fails, something stays in the group: its code */
    fx_open(&f);
    proc(&f, 50, 0, TERMINUS_FAKE_EXITS_ON_REQUEST, GROUP);
    proc(&f, 51, 50, TERMINUS_FAKE_IGNORES, GROUP);
    REQUIRE_RC(terminus_fake_set_latency(f.fake, "group_empty", 5000), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_add_at(f.fake, 72, TERMINUS_FAKE_IGNORES, 0, 0, 1005000),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_set_group(f.fake, 72, GROUP), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_fail(f.fake, "group_kill", 1, 1, TERMINUS_E_ACCESS_DENIED, 13),
               TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_E_ACCESS_DENIED);
    CHECK_ERROR(TERMINUS_E_ACCESS_DENIED, "pid 72 is still in the group");
    CHECK_ERROR(TERMINUS_E_ACCESS_DENIED, "group_kill");
    CHECK_EQ(d.tree_escaped, 1);
    CHECK(!fx_proc(&f, 51).running);
    CHECK(fx_proc(&f, 72).running);
    fx_close(&f);
}

/* More members than handles: batches, each with its grace; the group is
 * killed once, in the last batch, so that every member was asked first. */
static void batches(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);
    terminus_result r;

    fx_open(&f);
    proc(&f, 50, 0, TERMINUS_FAKE_IGNORES, GROUP);
    for (terminus_pid pid = 51; pid <= 60; pid++)
        proc(&f, pid, pid == 51 ? 50 : pid - 1, TERMINUS_FAKE_IGNORES, GROUP);
    REQUIRE_RC(terminus_fake_set_handle_limit(f.fake, 4), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
    CHECK_EQ(d.tree_group, TERMINUS_TREE_GROUP);
    CHECK_EQ(d.tree_members, 11);
    CHECK_EQ(d.tree_escaped, 0);
    for (terminus_pid pid = 50; pid <= 60; pid++) {
        CHECK(!fx_proc(&f, pid).running);
        CHECK_EQ(fx_proc(&f, pid).requests, 1);
    }
    CHECK_EQ(fx_calls(&f, "group_kill"), 1);
    CHECK(terminus_fake_now_us(f.fake) > 1000000); /* more than one grace window */
    fx_close(&f);
}

/* Two trees in two groups over few handles: the second target gives its
 * handle back to the first batch and is opened again in the next; its
 * group is opened once, and every group is closed at the end. */
static void target_opened_again(void)
{
    fx f;
    terminus_detail d[2];
    terminus_terminate_options o = tree_opts(0, d, 2);
    terminus_pid pids[2] = { 50, 60 };
    terminus_result r[2];

    fx_open(&f);
    proc(&f, 50, 0, TERMINUS_FAKE_IGNORES, GROUP);
    proc(&f, 51, 50, TERMINUS_FAKE_IGNORES, GROUP);
    proc(&f, 60, 0, TERMINUS_FAKE_IGNORES, 6);
    proc(&f, 61, 60, TERMINUS_FAKE_IGNORES, 6);
    REQUIRE_RC(terminus_fake_set_handle_limit(f.fake, 4), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate_many(f.ctx, pids, 2, &o, r), TERMINUS_OK);
    CHECK(fx_calls(&f, "process_open") > 4); /* a target was opened again */
    CHECK_EQ(fx_calls(&f, "group_open"), 2);
    CHECK_EQ(fx_calls(&f, "group_close"), 2);
    CHECK_EQ(fx_calls(&f, "group_kill"), 2);
    CHECK_EQ(d[0].tree_group, TERMINUS_TREE_GROUP);
    CHECK_EQ(d[1].tree_group, TERMINUS_TREE_GROUP);
    for (terminus_pid pid = 50; pid <= 61; pid += pid == 51 ? 9 : 1)
        CHECK_EQ(fx_proc(&f, pid).requests, 1);
    fx_close(&f);
}

/* A member the walk found in another group (a shell's `systemd-run
 * --scope` child) keeps the walk going beside the group: what it forks
 * during the grace is found by a scan of every process, and the group is
 * still killed for what is in it. */
static void member_outside_group(void)
{
    fx f;
    terminus_detail d;
    terminus_terminate_options o = tree_opts(0, &d, 1);
    terminus_result r;

    fx_open(&f);
    proc(&f, 50, 0, TERMINUS_FAKE_EXITS_ON_REQUEST, GROUP);
    proc(&f, 52, 50, TERMINUS_FAKE_IGNORES, GROUP);
    proc(&f, 51, 50, TERMINUS_FAKE_IGNORES, GROUP + 1);
    /* 51, outside the group, forks 70 (in 51's group) when asked; 70 ignores */
    REQUIRE_RC(terminus_fake_process_fork_on(f.fake, 51, TERMINUS_STEP_MESSAGE, 70, 1,
                                             TERMINUS_FAKE_IGNORES, 0, 0),
               TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_OK);
    CHECK_EQ(d.tree_group, TERMINUS_TREE_GROUP);
    CHECK_EQ(d.tree_members, 4);
    CHECK_EQ(d.tree_escaped, 0);
    CHECK(!fx_proc(&f, 70).running);
    CHECK_EQ(fx_proc(&f, 70).requests, 1);
    CHECK(!fx_proc(&f, 51).running && !fx_proc(&f, 52).running);
    CHECK(fx_calls(&f, "process_list") > 1); /* the scans walk too */
    CHECK_EQ(fx_calls(&f, "group_kill"), 1);
    fx_close(&f);
}

/* A process in the group that the backend cannot tell (given with pid 0:
 * Linux, one in another pid namespace, hidden, or not the caller's to
 * signal; the fake, a DENIED one) is never reached through the group: at the
 * open the group is not the tree, and when one appears in it during the
 * grace the group is dropped before its kill (the walk goes on). */
static void unknown_in_group(void)
{
    for (int later = 0; later <= 1; later++) {
        fx f;
        terminus_detail d;
        terminus_terminate_options o = tree_opts(0, &d, 1);
        terminus_result r;

        fx_open(&f);
        grouped_tree(&f);
        if (later)
            REQUIRE_RC(terminus_fake_process_fork_on(f.fake, 51, TERMINUS_STEP_MESSAGE, 70, 1,
                                                     TERMINUS_FAKE_DENIED, 0, 0),
                       TERMINUS_OK);
        else
            proc(&f, 70, 51, TERMINUS_FAKE_DENIED, GROUP);
        terminus_fake_calls_clear(f.fake);

        /* the walk finds 70, which cannot be opened: the tree's failure */
        CHECK_RC(terminus_terminate(f.ctx, 50, &o, &r), TERMINUS_E_ACCESS_DENIED);
        CHECK_EQ(d.tree_escaped, 1);
        CHECK_EQ(d.tree_group, TERMINUS_TREE_WALKED);
        CHECK_EQ(fx_calls(&f, "group_kill"), 0);
        CHECK(fx_proc(&f, 70).running);
        CHECK_EQ(fx_proc(&f, 70).kills, 0);
        CHECK_EQ(fx_calls(&f, "group_open"), fx_calls(&f, "group_close"));
        CHECK(!fx_proc(&f, 51).running && !fx_proc(&f, 53).running);
        fx_close(&f);
    }
}

HARNESS_MAIN(T(group_is_the_tree), T(outsider_or_reparented_walks), T(no_group_walks),
             T(job_every_member), T(job_target_gone), T(job_refused), T(job_needs_tree),
             T(job_unsupported), T(no_force_and_force), T(fork_into_group), T(escaped_into_group),
             T(group_kill_failing), T(batches), T(target_opened_again), T(member_outside_group),
             T(unknown_in_group))
