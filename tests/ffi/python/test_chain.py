"""The close chain from Python (options version 2): steps, flags, the
per-target Detail, the progress callback and Unreachable. The layout and the
constants are checked against the C headers; the behaviour through the fake
OS (faults stand in for steps that cannot reach) and, for the Linux signal
sequence, with a real child in test_native.py."""

import ctypes
import gc
import os
import subprocess

import pytest

import terminus
from terminus import Detail, EndedBy, Outcome, Progress, ProgressEvent, Step, _lib
from terminus.fake import Behaviour


# --- constants and layout: the C headers as compiled ----------------------------

def c_layout():
    """{"struct size": n, "struct.member offset": n, "NAME value": n} from
    tests/ffi/layout.c, or skip when the runner did not build it."""
    path = os.environ.get("TERMINUS_TEST_LAYOUT")
    if not path:
        pytest.skip("TERMINUS_TEST_LAYOUT is not set (tests/ffi/run-python.py sets it)")
    out = subprocess.run([path], check=True, stdout=subprocess.PIPE, text=True).stdout
    layout = {}
    for line in out.splitlines():
        name, kind, value = line.split()
        layout[name + " " + kind] = int(value)
    return layout


@pytest.mark.parametrize("cname, ctype", [
    ("terminus_terminate_options", _lib.CTerminateOptions),
    ("terminus_result", _lib.CResult),
    ("terminus_progress", _lib.CProgress),
    ("terminus_detail", _lib.CDetail),
    ("terminus_session_info", _lib.CSessionInfo),
    ("terminus_error", _lib.CError),
])
def test_struct_layout_matches_c(cname, ctype):
    layout = c_layout()
    assert ctypes.sizeof(ctype) == layout[cname + " size"]
    members = [k for k in layout if k.startswith(cname + ".")]
    for key in members:
        member = key[len(cname) + 1:].split()[0]
        assert getattr(ctype, member).offset == layout[key], member


def test_constants_match_c():
    layout = c_layout()
    assert int(terminus.STEPS_ALL) == layout["TERMINUS_STEPS_ALL value"]
    assert int(terminus.STEPS_DEFAULT) == layout["TERMINUS_STEPS_DEFAULT value"]
    assert terminus.Unreachable.CODE == layout["TERMINUS_E_UNREACHABLE value"]
    assert int(EndedBy.KILL) == layout["TERMINUS_ENDED_KILL value"]
    assert int(EndedBy.GONE) == layout["TERMINUS_ENDED_GONE value"]
    assert _lib.DETAIL_STEPS == layout["TERMINUS_DETAIL_STEPS value"]
    # every code down to TERMINUS_E_LAST has its own class
    for code in range(-1, layout["TERMINUS_E_LAST value"] - 1, -1):
        assert terminus.error_class(code) is not terminus.TerminusError, code


def test_steps_and_unreachable():
    assert [int(s) for s in Step] == [0x01, 0x02, 0x04, 0x08, 0x10]
    assert terminus.STEPS_DEFAULT == Step.MESSAGE | Step.CLOSE | Step.CONSOLE
    assert terminus.STEPS_ALL == 0x1F
    assert [int(e) for e in EndedBy if e not in (EndedBy.KILL, EndedBy.GONE, EndedBy.NONE)] == \
        [int(s) for s in Step]
    assert [int(e) for e in ProgressEvent] == [1, 2, 3]
    assert terminus.error_class(-10) is terminus.Unreachable
    assert issubclass(terminus.Unreachable, terminus.TerminusError)
    assert terminus.error_name(-10) == "TERMINUS_E_UNREACHABLE"
    assert terminus.strerror(-10) == "no request can reach the target"


# --- bad input: rejected before anything is sent -------------------------------

def test_bad_steps_in_python(fake, ctx):
    fake.add_process(42, Behaviour.IGNORES)
    with pytest.raises(TypeError):
        ctx.terminate(42, steps="SIGINT")
    with pytest.raises(TypeError):
        ctx.terminate(42, steps=[Step.SIGINT, "x"])
    with pytest.raises(terminus.InvalidArgument):
        ctx.terminate(42, steps=-1)
    with pytest.raises(terminus.InvalidArgument):
        ctx.terminate(42, steps=2**32)
    with pytest.raises(TypeError):
        ctx.terminate(42, progress=42)
    assert fake.call_count() == 0


def test_bad_steps_in_c(fake, ctx):
    fake.add_process(42, Behaviour.IGNORES)
    with pytest.raises(terminus.InvalidArgument) as info:
        ctx.terminate(42, steps=0x20)  # a step bit this version does not know
    assert "steps" in info.value.message
    assert info.value.result.detail is None  # rejected as a whole: no detail
    with pytest.raises(terminus.InvalidArgument) as info:
        ctx.terminate(42, steps=0)  # an empty chain needs kill_now
    assert "steps" in info.value.message
    with pytest.raises(terminus.InvalidArgument) as info:
        ctx.terminate_many([42], steps=[])
    assert [r.status for r in info.value.results] == [-1]
    assert fake.call_count() == 0
    assert fake.process(42).requests == 0


# --- the chain through the fake ---------------------------------------------------

def test_default_chain_detail_and_progress(fake, ctx):
    fake.add_process(42, Behaviour.IGNORES)
    seen = []
    r = ctx.terminate(42, grace=2.0, progress=seen.append)
    assert r.outcome == Outcome.FORCED
    d = r.detail
    assert isinstance(d, Detail)
    assert d.ended_by == EndedBy.KILL
    assert d.sent & Step.MESSAGE  # the fake's processes hear the message
    assert d.sent | d.skipped == terminus.STEPS_DEFAULT
    assert d.reach & ~terminus.STEPS_DEFAULT == 0
    assert d.kill_at_us is not None and d.kill_at_us >= 2_000_000
    assert set(d.step_status) == set(s for s in Step if s & terminus.STEPS_DEFAULT)
    for s in Step:
        if s & d.sent:
            assert d.step_status[s] == 0 and d.error(s) is None and d.at(s) is not None
        elif s & d.skipped:
            assert d.error(s).code == d.step_status[s] != 0 and d.at(s) is None
    assert all(isinstance(p, Progress) for p in seen)
    assert [p.event for p in seen][-2:] == [ProgressEvent.KILL, ProgressEvent.ENDED]
    steps = [p for p in seen if p.event == ProgressEvent.STEP]
    assert [p.step for p in steps if p.ok] == [s for s in Step if s & d.sent]
    assert all(p.pid == 42 and p.index == 0 for p in seen)
    assert [p.at_us for p in seen] == sorted(p.at_us for p in seen)
    assert seen[-1].outcome == Outcome.FORCED and seen[-1].status == 0
    assert seen[-2].at_us == d.kill_at_us


def test_exits_on_message_ended_by_message(fake, ctx):
    fake.add_process(42, Behaviour.EXITS_ON_REQUEST, after_ms=100, exit_code=3)
    r = ctx.terminate(42, steps=Step.MESSAGE)
    assert r.outcome == Outcome.EXITED and r.exit_code == 3
    assert r.detail.ended_by == EndedBy.MESSAGE
    assert r.detail.sent == Step.MESSAGE and r.detail.skipped == 0
    assert r.detail.kill_at_us is None


def test_gone_and_kill_now(fake, ctx):
    fake.add_process(42, Behaviour.GONE, exit_code=1)
    fake.add_process(43, Behaviour.IGNORES)
    r = ctx.terminate_many([42, 43, 44], kill_now=True, steps=0)
    assert [x.outcome for x in r] == [Outcome.GONE, Outcome.FORCED, Outcome.NONE]
    assert r[0].detail.ended_by == EndedBy.GONE
    assert r[1].detail.ended_by == EndedBy.KILL and r[1].detail.sent == 0
    assert r[1].detail.kill_at_us is not None  # a kill at 0 on the fake clock still counts
    assert r[2].detail.ended_by == EndedBy.NONE
    assert fake.process(43).requests == 0


def test_unreachable_force_kills_at_once(fake, ctx):
    """No step reaches (every step refused as unreachable): killed at once,
    without waiting the grace, and the detail says why."""
    fake.add_process(42, Behaviour.IGNORES)
    fake.fail("process_step", terminus.Unreachable, persistent=True)
    r = ctx.terminate(42, grace=5.0)
    assert r.outcome == Outcome.FORCED
    assert fake.now_us < 5_000_000
    assert r.detail.ended_by == EndedBy.KILL and r.detail.sent == 0
    assert r.detail.skipped == terminus.STEPS_DEFAULT
    assert all(c == terminus.Unreachable.CODE for c in r.detail.step_status.values())
    assert isinstance(r.detail.error(Step.MESSAGE), terminus.Unreachable)


def test_unreachable_no_force_raises_at_once(fake, ctx):
    fake.add_process(42, Behaviour.IGNORES)
    fake.fail("process_step", terminus.Unreachable, persistent=True)
    with pytest.raises(terminus.Unreachable) as info:
        ctx.terminate(42, grace=5.0, force=False)
    assert info.value.code == -10
    assert info.value.result.outcome == Outcome.NONE
    assert fake.now_us < 5_000_000
    assert fake.process(42).running and fake.process(42).kills == 0
    # terminate_many: a per-target status, not raised
    r = ctx.terminate_many([42], grace=5.0, force=False)
    assert r[0].status == -10 and isinstance(r[0].error, terminus.Unreachable)


def test_flags_are_passed(fake, ctx):
    fake.add_process(42, Behaviour.EXITS_ON_REQUEST, after_ms=10)
    r = ctx.terminate(42, broadcast=True, ctrl_break=True)
    assert r.outcome == Outcome.EXITED
    assert any("process_step" in c for c in fake.calls())


# --- the progress callback: a Python callable, never an exception across C ----------

def test_progress_exception_is_raised_after_the_call(fake, ctx):
    fake.add_process(42, Behaviour.IGNORES)
    fake.add_process(43, Behaviour.IGNORES)
    calls = []

    def bad(p):
        calls.append(p)
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        ctx.terminate_many([42, 43], grace=1.0, progress=bad)
    assert len(calls) == 1  # not called again once it raised
    # the call ran to its end: both were killed after the grace, nothing leaked
    assert fake.process(42).kills == 1 and fake.process(43).kills == 1
    assert fake.now_us >= 1_000_000
    assert fake.open_handles == 0


def test_progress_kept_alive_and_reentrant(fake, ctx):
    fake.add_process(42, Behaviour.EXITS_ON_REQUEST, after_ms=50)
    events = []

    def make():
        def cb(p):
            gc.collect()  # the callback object must survive a collection mid-call
            events.append((p.event, terminus.strerror(p.status)))
        return cb

    ctx.terminate(42, progress=make())
    assert events and events[-1][0] == ProgressEvent.ENDED


def test_module_level_takes_the_new_keywords(fake, ctx):
    fake.add_process(42, Behaviour.EXITS_ON_REQUEST, after_ms=10)
    seen = []
    r = terminus.terminate(42, steps=[Step.MESSAGE, Step.SIGHUP], progress=seen.append, ctx=ctx)
    assert r.detail.ended_by == EndedBy.MESSAGE
    assert seen[0].event == ProgressEvent.STEP and seen[0].step == Step.MESSAGE


# --- the fake's close-chain scripting -------------------------------------------------

def test_fake_reach_default():
    from terminus.fake import REACH_DEFAULT
    assert REACH_DEFAULT == Step.MESSAGE | Step.SIGINT | Step.SIGHUP


def test_nothing_reaches_killed_at_once(fake, ctx):
    fake.add_process(42, Behaviour.IGNORES)
    fake.set_reach(42, 0)  # no listener, no window, no console
    r = ctx.terminate(42, grace=5.0)
    assert r.outcome == Outcome.FORCED and r.elapsed_us == 0
    assert fake.now_us == 0  # no grace waited
    assert r.detail.reach == 0 and r.detail.sent == 0 and r.detail.ended_by == EndedBy.KILL
    assert all(c == terminus.Unreachable.CODE for c in r.detail.step_status.values())
    fake.add_process(43, Behaviour.IGNORES)
    fake.set_reach(43, [])
    with pytest.raises(terminus.Unreachable):
        ctx.terminate(43, grace=5.0, force=False)
    assert fake.now_us == 0 and fake.process(43).running
    assert fake.step_count(43, Step.MESSAGE) == 0


def test_windows_like_chain_ends_by_close(fake, ctx):
    """Message, close, console all reach it; it closes on WM_CLOSE: the close
    step goes out at a third of the grace and ends it."""
    fake.add_process(42, Behaviour.IGNORES)
    fake.set_reach(42, terminus.STEPS_DEFAULT)
    fake.exit_on(42, Step.CLOSE, after_ms=100, exit_code=0)
    seen = []
    r = ctx.terminate(42, grace=3.0, progress=seen.append)
    assert r.outcome == Outcome.EXITED
    assert r.detail.ended_by == EndedBy.CLOSE
    assert r.detail.reach == terminus.STEPS_DEFAULT
    assert r.detail.sent == Step.MESSAGE | Step.CLOSE
    assert r.detail.step_at_us[Step.CLOSE] - r.detail.step_at_us[Step.MESSAGE] == 1_000_000
    assert r.elapsed_us == 1_100_000
    assert fake.step_count(42, Step.CLOSE) == 1 and fake.step_count(42, Step.CONSOLE) == 0
    assert [(p.event, p.step) for p in seen] == [
        (ProgressEvent.STEP, Step.MESSAGE), (ProgressEvent.STEP, Step.CLOSE),
        (ProgressEvent.ENDED, None)]


def test_denied_step_is_skipped_at_once(fake, ctx):
    """A refused step (UIPI) is skipped at once with AccessDenied: the next
    step goes out now, not a share of the grace later."""
    fake.add_process(42, Behaviour.IGNORES)
    fake.deny_steps(42, Step.MESSAGE)
    fake.exit_on(42, Step.SIGHUP, after_ms=10, exit_code=129)
    seen = []
    r = ctx.terminate(42, grace=2.0, steps=Step.MESSAGE | Step.SIGHUP, progress=seen.append)
    assert r.outcome == Outcome.EXITED and r.exit_code == 129
    assert r.detail.ended_by == EndedBy.SIGHUP
    assert r.detail.sent == Step.SIGHUP and r.detail.skipped == Step.MESSAGE
    assert isinstance(r.detail.error(Step.MESSAGE), terminus.AccessDenied)
    assert r.detail.step_at_us[Step.SIGHUP] == 0  # not a share of the grace later
    assert seen[0].step == Step.MESSAGE and seen[0].status == terminus.AccessDenied.CODE
    assert not seen[0].ok
    assert seen[1].step == Step.SIGHUP and seen[1].ok


def test_fake_scripting_bad_input(fake):
    fake.add_process(42)
    with pytest.raises(terminus.InvalidArgument):
        fake.set_reach(42, 0x40)
    with pytest.raises(terminus.NotFound):
        fake.exit_on(4711, Step.MESSAGE)
    with pytest.raises(terminus.InvalidArgument):
        fake.step_count(42, Step.MESSAGE | Step.CLOSE)
