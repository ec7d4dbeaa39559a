"""Processes by identity through the fake OS: process_list, tokens
(process_token, terminate_token), terminate_name, tree=True, and the fake's
scripting of what names a process. The layout of the new structs against the
C compiler's (tests/ffi/layout.c)."""

import ctypes

import pytest

import terminus
from terminus import Outcome, Step, _lib
from terminus.fake import BOOT_ID, NAMES_NOCASE, REPARENTS, Behaviour, Fake

from test_chain import c_layout


@pytest.mark.parametrize("cname, ctype", [
    ("terminus_process_info", _lib.CProcessInfo),
    ("terminus_name_filter", _lib.CNameFilter),
    ("terminus_detail", _lib.CDetail),
])
def test_layout_matches_c(cname, ctype):
    layout = c_layout()
    assert ctypes.sizeof(ctype) == layout[cname + " size"]
    for key in [k for k in layout if k.startswith(cname + ".")]:
        member = key[len(cname) + 1:].split()[0]
        assert getattr(ctype, member).offset == layout[key], member


def test_constants_match_c():
    layout = c_layout()
    assert terminus.TOKEN_MAX == layout["TERMINUS_TOKEN_MAX value"]
    assert terminus.SESSION_NONE == layout["TERMINUS_SESSION_NONE value"]
    assert terminus.UID_UNKNOWN == layout["TERMINUS_UID_UNKNOWN value"]
    assert NAMES_NOCASE == layout["TERMINUS_OS_NAMES_NOCASE value"]
    assert REPARENTS == layout["TERMINUS_OS_REPARENTS value"]
    from terminus import _core
    assert _core._TERMINATE_TREE == layout["TERMINUS_TERMINATE_TREE value"]


# --- the listing ----------------------------------------------------------------

def test_process_list(fake, ctx):
    assert terminus.process_list(ctx=ctx) == []
    fake.advance(us=7)
    fake.add_process(42, Behaviour.IGNORES, parent=41, name="sleep", session=3, uid=1001)
    fake.add_process(43, Behaviour.GONE)
    fake.add_process(44, Behaviour.IGNORES, start_us=100)  # not started yet
    procs = ctx.process_list()
    assert procs == [terminus.ProcessInfo(pid=42, ppid=41, session=3, uid=1001, start=7,
                                          name="sleep")]
    fake.add_process(45, Behaviour.IGNORES)
    p = terminus.process_list(ctx=ctx)[1]
    assert (p.pid, p.session, p.uid, p.name) == (45, None, None, "fake-45")


def test_process_list_fails(fake, ctx):
    fake.fail("process_list", terminus.AccessDenied)
    with pytest.raises(terminus.AccessDenied) as info:
        ctx.process_list()
    assert "process_list" in str(info.value)


# --- tokens ---------------------------------------------------------------------

def test_token_round_trip(fake, ctx):
    fake.add_process(42, Behaviour.EXITS_ON_REQUEST, after_ms=100, exit_code=5)
    token = terminus.process_token(42, ctx=ctx)
    assert token == "t1.{}.42.0.1".format(BOOT_ID)
    r = terminus.terminate_token(token, ctx=ctx)
    assert r.ok and r.pid == 42 and r.outcome == Outcome.EXITED and r.exit_code == 5
    assert r.detail is not None and r.detail.ended_by == terminus.EndedBy.MESSAGE
    # ended now: the token names no process
    with pytest.raises(terminus.NotFound) as info:
        ctx.terminate_token(token)
    assert info.value.result.pid == 42


def test_token_pid_reused(fake, ctx):
    fake.add_process(42, Behaviour.EXITS_AFTER, after_ms=5)
    token = ctx.process_token(42)
    fake.add_process(42, Behaviour.IGNORES, start_us=5000)  # the pid, reused
    fake.advance(us=6000)
    fake.calls_clear()
    with pytest.raises(terminus.NotFound) as info:
        ctx.terminate_token(token, grace=1.0)
    assert "names another process now" in str(info.value)
    p = fake.process(42)
    assert p.running and p.requests == 0 and p.kills == 0
    assert fake.call_count("process_step") == 0 and fake.call_count("process_kill") == 0


def test_token_other_boot(fake, ctx):
    fake.add_process(42, Behaviour.IGNORES)
    token = ctx.process_token(42)
    fake.set_boot_id("boot2")
    fake.calls_clear()
    with pytest.raises(terminus.NotFound) as info:
        ctx.terminate_token(token)
    assert "another boot" in str(info.value)
    assert fake.calls() == ['boot_id() = 0 ["boot2"]']


@pytest.mark.parametrize("token, why", [
    ("", "empty"),
    ("42", 'does not start with "t1."'),
    ("t1.b.042.0.1", "leading zero"),
    ("t1.b.42.0", "fields"),
    ("t1.b.42.A.1", "not lowercase hex"),
    ("t1.b.2147483648.0.1", "above INT32_MAX"),
])
def test_token_malformed(fake, ctx, token, why):
    with pytest.raises(terminus.InvalidArgument) as info:
        ctx.terminate_token(token)
    assert why in str(info.value)
    assert fake.call_count() == 0


def test_token_bad_arguments(fake, ctx):
    with pytest.raises(TypeError):
        ctx.terminate_token(42)
    with pytest.raises(terminus.InvalidArgument):
        ctx.process_token(0)
    with pytest.raises(terminus.NotFound):
        ctx.process_token(77)


# --- by image name --------------------------------------------------------------

def test_terminate_name(fake, ctx):
    fake.add_process(52, Behaviour.EXITS_ON_REQUEST, after_ms=10, name="sleep")
    fake.add_process(50, Behaviour.IGNORES, name="sleep")
    fake.add_process(51, Behaviour.IGNORES, name="Sleep")
    fake.add_process(1000, Behaviour.IGNORES, name="sleep")  # the caller
    results = terminus.terminate_name("sleep", grace=0.5, ctx=ctx)
    assert [r.pid for r in results] == [50, 52]
    assert [r.outcome for r in results] == [Outcome.FORCED, Outcome.EXITED]
    assert all(r.detail is not None for r in results)
    assert fake.process(51).running and fake.process(1000).requests == 0
    with pytest.raises(terminus.NotFound) as info:
        ctx.terminate_name("sleep")
    assert 'no process is named "sleep"' in str(info.value)


def test_terminate_name_nocase_and_filters():
    with Fake() as fake:
        fake.set_traits(NAMES_NOCASE)
        with fake.context() as ctx:
            fake.add_process(50, name="notepad.exe", session=2, uid=7)
            fake.add_process(51, name="NOTEPAD.EXE", session=3, uid=7)
            results = ctx.terminate_name("Notepad.Exe", session=3)
            assert [r.pid for r in results] == [51]
            results = ctx.terminate_name("notepad.exe", uid=7)
            assert [r.pid for r in results] == [50]
        assert fake.open_handles == 0


def test_terminate_name_pid_reused(fake, ctx):
    fake.add_process(50, Behaviour.EXITS_AFTER, after_ms=10, name="x")
    fake.add_process(50, Behaviour.IGNORES, start_us=15000, name="x")
    fake.set_latency("process_open", 20000)  # the pid is reused before the open
    results = ctx.terminate_name("x")
    assert results[0].outcome == Outcome.GONE and results[0].exit_code is None
    p = fake.process(50)
    assert p.running and p.requests == 0 and p.kills == 0


def test_terminate_name_bad_input(fake, ctx):
    for image in ("", "a/b", "a\\b"):
        with pytest.raises(terminus.InvalidArgument):
            ctx.terminate_name(image)
    with pytest.raises(TypeError):
        ctx.terminate_name(None)
    assert fake.call_count() == 0


# --- trees ----------------------------------------------------------------------

def test_tree_with_a_fork(fake, ctx):
    fake.add_process(50, Behaviour.EXITS_ON_REQUEST, after_ms=20)
    fake.add_process(51, Behaviour.IGNORES, parent=50)
    fake.add_process(52, Behaviour.EXITS_ON_REQUEST, after_ms=5, parent=51)
    fake.fork_on(51, Step.MESSAGE, child=70)
    r = terminus.terminate(50, grace=1.0, tree=True, ctx=ctx)
    assert r.ok and r.outcome == Outcome.EXITED
    assert r.detail.tree_members == 4 and r.detail.tree_escaped == 0
    for pid in (50, 51, 52, 70):
        assert not fake.process(pid).running
    assert fake.process(70).requests == 1 and fake.process(70).kills == 1


def test_tree_reparented_away():
    with Fake() as fake:
        fake.set_traits(REPARENTS)  # as Linux: an orphan goes to init
        with fake.context() as ctx:
            fake.add_process(50, Behaviour.EXITS_ON_REQUEST, after_ms=20)
            fake.add_process(51, Behaviour.EXITS_ON_REQUEST, after_ms=10, parent=50)
            fake.fork_on(51, Step.MESSAGE, child=70)
            r = ctx.terminate(50, grace=1.0, tree=True)
            assert r.ok and r.detail.tree_members == 2
            assert fake.process(70).running  # re-parented away: outside the tree
            assert [(p.pid, p.ppid) for p in ctx.process_list()] == [(70, 1)]
        assert fake.open_handles == 0


def test_tree_escaped_and_refused(fake, ctx):
    fake.add_process(50, Behaviour.EXITS_ON_REQUEST, after_ms=5)
    fake.add_process(51, Behaviour.KILL_DENIED, parent=50)
    with pytest.raises(terminus.AccessDenied) as info:
        ctx.terminate(50, grace=0.1, tree=True)
    r = info.value.result
    assert r.outcome == Outcome.NONE
    assert r.detail.tree_members == 2 and r.detail.tree_escaped == 1
    assert r.detail.ended_by == terminus.EndedBy.MESSAGE  # the target itself left
    # a tree that would hold the caller
    fake.add_process(900, Behaviour.IGNORES)
    fake.add_process(1000, Behaviour.IGNORES, parent=900)
    with pytest.raises(terminus.Refused) as info:
        ctx.terminate_many([900], tree=True)
    assert "ancestor of the calling process" in str(info.value)
    assert fake.process(900).requests == 0


def test_tree_by_token_and_by_name(fake, ctx):
    fake.add_process(50, Behaviour.IGNORES, name="make")
    fake.add_process(51, Behaviour.IGNORES, parent=50)
    token = ctx.process_token(50)
    r = ctx.terminate_token(token, grace=0.2, tree=True)
    assert r.ok and r.detail.tree_members == 2
    fake.add_process(60, Behaviour.IGNORES, name="make")
    fake.add_process(61, Behaviour.IGNORES, parent=60)
    results = ctx.terminate_name("make", grace=0.2, tree=True, kill_now=True)
    assert [r.pid for r in results] == [60] and results[0].detail.tree_members == 2
    assert not fake.process(61).running


def test_tree_in_a_group(fake, ctx):
    # the group holds the tree alone: it is the tree, killed once after the grace
    fake.add_process(50, Behaviour.IGNORES)
    fake.add_process(51, Behaviour.IGNORES, parent=50)
    fake.set_group(50, 5)
    fake.set_group(51, 5)
    r = ctx.terminate(50, grace=0.2, tree=True)
    assert r.ok and r.detail.tree_group and r.detail.tree_members == 2
    assert fake.call_count("group_kill") == 1
    # an outsider in the group: the walk, and the outsider is left alone
    fake.add_process(60, Behaviour.IGNORES)
    fake.add_process(61, Behaviour.IGNORES, parent=60)
    fake.add_process(62, Behaviour.IGNORES)
    for pid in (60, 61, 62):
        fake.set_group(pid, 6)
    r = ctx.terminate(60, grace=0.2, tree=True)
    assert r.ok and not r.detail.tree_group and r.detail.tree_members == 2
    assert fake.process(62).running and fake.process(62).kills == 0


def test_tree_in_a_job(fake, ctx):
    fake.add_process(50, Behaviour.IGNORES)
    fake.add_process(51, Behaviour.IGNORES, parent=50)
    fake.add_process(52, Behaviour.EXITS_ON_REQUEST, after_ms=5, parent=1)  # re-parented away
    for pid in (50, 51, 52):
        fake.set_group(pid, 7)
    r = ctx.terminate(50, grace=0.2, tree=True, job=7)
    assert r.ok and r.detail.tree_group and r.detail.tree_members == 3
    assert not fake.process(52).running and fake.process(52).requests == 1
    # the job needs tree=True; the target must be in it; the caller must not be
    fake.add_process(60, Behaviour.IGNORES)
    with pytest.raises(terminus.InvalidArgument) as info:
        ctx.terminate(60, grace=0.2, job=7)
    assert "opts->job" in str(info.value)
    with pytest.raises(terminus.InvalidArgument) as info:
        ctx.terminate_many([60], grace=0.2, tree=True, job=7)
    assert "not in job 7" in str(info.value)
    fake.set_group(60, 8)
    fake.set_self_group(8)
    with pytest.raises(terminus.Refused):
        ctx.terminate(60, grace=0.2, tree=True, job=8)
    assert fake.process(60).requests == 0 and fake.process(60).running
    with pytest.raises(TypeError):
        ctx.terminate(60, tree=True, job="7")


def test_fake_scripting_errors(fake):
    fake.add_process(42)
    with pytest.raises(terminus.InvalidArgument):
        fake.add_process(42)  # in use
    with pytest.raises(terminus.NotFound):
        fake.set_parent(77, 1)
    with pytest.raises(terminus.InvalidArgument):
        fake.set_name(42, "")
    with pytest.raises(terminus.InvalidArgument):
        fake.fork_on(42, Step.MESSAGE, child=0)
    with pytest.raises(terminus.InvalidArgument):
        fake.set_traits(0x4)
    with pytest.raises(ValueError):
        fake.set_unique(42, -1)
