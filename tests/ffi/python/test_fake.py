"""Terminate, sessions, faults, exit and listeners through the fake OS."""

import threading

import pytest

import terminus
from terminus import Outcome, SessionState, _lib
from terminus.fake import Behaviour, Exits, Fake, Logoffs, SessionBehaviour


# --- terminate ---------------------------------------------------------------

def test_exits_on_request(fake, ctx):
    fake.add_process(42, Behaviour.EXITS_ON_REQUEST, after_ms=300, exit_code=7)
    r = terminus.terminate(42, ctx=ctx)
    assert r.ok and r.status == 0
    assert r.outcome == Outcome.EXITED
    assert r.exit_code == 7
    assert r.elapsed_us == 300_000 and r.elapsed == pytest.approx(0.3)
    assert fake.now_us == 300_000  # virtual time: no real time spent
    info = fake.process(42)
    assert not info.running and info.requests == 1 and info.kills == 0


def test_forced_after_grace(fake, ctx):
    fake.add_process(43, Behaviour.IGNORES)
    r = ctx.terminate(43, grace=2.0, forced_exit_code=9)
    assert r.outcome == Outcome.FORCED
    assert r.exit_code == 9
    assert r.elapsed_us == 2_000_000
    assert fake.process(43).kills == 1


def test_gone(fake, ctx):
    fake.add_process(44, Behaviour.GONE, exit_code=3)
    r = ctx.terminate(44)
    assert r.outcome == Outcome.GONE and r.exit_code == 3 and r.elapsed_us == 0


def test_kill_now(fake, ctx):
    fake.add_process(45, Behaviour.IGNORES)
    r = ctx.terminate(45, kill_now=True)
    assert r.outcome == Outcome.FORCED
    assert fake.process(45).requests == 0
    assert fake.call_count("process_request") == 0


def test_no_force_times_out(fake, ctx):
    fake.add_process(46, Behaviour.IGNORES)
    with pytest.raises(terminus.Timeout) as info:
        ctx.terminate(46, grace=1.5, force=False)
    assert info.value.result.outcome == Outcome.NONE
    assert fake.process(46).running and fake.process(46).kills == 0
    assert fake.now_us == 1_500_000


def test_not_found_and_denied(fake, ctx):
    with pytest.raises(terminus.NotFound):
        ctx.terminate(4711)
    fake.add_process(47, Behaviour.DENIED)
    with pytest.raises(terminus.AccessDenied):
        ctx.terminate(47)
    fake.add_process(48, Behaviour.KILL_DENIED)
    with pytest.raises(terminus.AccessDenied):
        ctx.terminate(48, grace=0.1)


def test_terminate_many_shares_one_grace(fake, ctx):
    fake.add_process(10, Behaviour.EXITS_ON_REQUEST, after_ms=100, exit_code=0)
    fake.add_process(11, Behaviour.IGNORES)
    fake.add_process(12, Behaviour.GONE, exit_code=5)
    results = ctx.terminate_many([10, 11, 12, 13], grace=1.0)
    assert [r.pid for r in results] == [10, 11, 12, 13]
    assert [r.outcome for r in results] == [Outcome.EXITED, Outcome.FORCED, Outcome.GONE, Outcome.NONE]
    assert results[0].elapsed_us == 100_000
    assert results[1].elapsed_us == 1_000_000
    assert not results[3].ok
    assert results[3].status == -2
    assert isinstance(results[3].error, terminus.NotFound)
    assert "13" in results[3].error.message
    assert fake.now_us == 1_000_000


# --- faults ------------------------------------------------------------------

def test_fault_on_open(fake, ctx):
    fake.add_process(42, Behaviour.EXITS_ON_REQUEST)
    fake.fail("process_open", terminus.AccessDenied, os_code=5)
    with pytest.raises(terminus.AccessDenied) as info:
        ctx.terminate(42)
    assert info.value.os_code == 5
    assert fake.faults_fired == 1
    # once only: the next call works
    assert ctx.terminate(42).outcome == Outcome.EXITED


def test_fault_os_code_is_64_bits(fake, ctx):
    """os_code is an int64_t everywhere: a number above 32 bits comes back whole."""
    assert _lib.CError.os_code.size == 8
    fake.add_process(42, Behaviour.EXITS_ON_REQUEST)
    fake.fail("process_open", terminus.OSFailure, os_code=0x123456789)
    with pytest.raises(terminus.OSFailure) as info:
        ctx.terminate(42)
    assert info.value.os_code == 0x123456789
    assert "[os error {}]".format(0x123456789) in str(info.value)
    assert fake.faults_fired == 1


def test_fault_sweep_never_leaks(fake, ctx):
    """Fail every primitive call of a terminate in turn: a clean error each time."""
    n = 1
    while True:
        with Fake() as f:
            c = f.context()
            f.add_process(42, Behaviour.IGNORES)
            f.add_process(43, Behaviour.EXITS_ON_REQUEST, after_ms=10)
            f.fail("*", terminus.OSFailure, nth=n, os_code=n)
            results = c.terminate_many([42, 43], grace=0.5)
            fired = f.faults_fired
            c.close()
            assert f.open_handles == 0
            if fired == 0:
                assert all(r.ok for r in results)
                break
            # a failed status read after the end only loses the exit code
            assert all(isinstance(r.error, terminus.OSFailure) for r in results if not r.ok)
        n += 1
    assert n > 5


def test_fault_persistent_server(fake, ctx):
    fake.add_session(2, "Console", "alice")
    fake.fail("session_list", terminus.Unavailable, persistent=True)
    with ctx.server() as s:
        with pytest.raises(terminus.Unavailable):
            s.sessions()
        with pytest.raises(terminus.Unavailable):
            s.sessions()
    fake.fail_clear()
    with ctx.server() as s:
        assert len(s.sessions()) == 1


def test_call_log(fake, ctx):
    fake.add_process(42, Behaviour.IGNORES)
    ctx.terminate(42, kill_now=True)
    log = fake.calls()
    assert log[0].startswith("process_open(42)")
    assert any(line.startswith("process_kill(42") for line in log)
    assert fake.call_count("process_kill") == 1
    assert fake.call_count() == len(log)
    fake.calls_clear()
    assert fake.calls() == []


# --- sessions ----------------------------------------------------------------

@pytest.fixture
def sessions(fake):
    fake.add_session(2, "Console", "alice", SessionState.ACTIVE)
    fake.add_session(3, "RDP-Tcp#3", "DOMAIN\\bob", SessionState.DISCONNECTED,
                     SessionBehaviour.ENDS, after_ms=250)
    fake.add_session(4, "RDP-Tcp#4", "", SessionState.OTHER, SessionBehaviour.HANGS)
    fake.add_session(5, "Kiosk", "carol", behaviour=SessionBehaviour.DENIED)
    fake.add_session(7, "Ümlaut", "jürgen")
    fake.set_current_session(2)
    return fake


def test_session_list(sessions, ctx):
    with terminus.Server(ctx=ctx) as s:
        got = s.sessions()
    assert [x.id for x in got] == [2, 3, 4, 5, 7]
    assert got[1] == terminus.SessionInfo(3, SessionState.DISCONNECTED, "RDP-Tcp#3", "DOMAIN\\bob")
    assert got[4].name == "Ümlaut" and got[4].user == "jürgen"
    assert got[2].user == ""


def test_session_resolve(sessions, ctx):
    with ctx.server() as s:
        assert s.resolve() == 2
        assert s.resolve("3") == 3
        assert s.resolve("rdp-tcp#4") == 4
        assert s.resolve("ÜMLAUT") == 7
        with pytest.raises(terminus.NotFound):
            s.resolve("nobody")
        with pytest.raises(terminus.NotFound):
            s.resolve("99")
        with pytest.raises(terminus.InvalidArgument):
            s.resolve("")
        with pytest.raises(terminus.InvalidArgument):
            s.resolve("4294967295")


def test_session_logoff(sessions, ctx):
    with ctx.server() as s:
        s.logoff(3, wait=True, timeout=1.0)
        assert not sessions.session_exists(3)
        assert sessions.now_us == 250_000
        with pytest.raises(terminus.Timeout):
            s.logoff("RDP-Tcp#4", timeout=2.0)
        assert sessions.session_exists(4)
        with pytest.raises(terminus.AccessDenied):
            s.logoff(5)
        with pytest.raises(terminus.Refused):
            s.logoff(0)
        with pytest.raises(terminus.NotFound):
            s.logoff("nobody")
        s.logoff(wait=False)  # the current session, 2
        sessions.advance(1.0)
        assert not sessions.session_exists(2)


def test_remote_servers(fake, ctx):
    fake.add_server("far", reachable=False)
    fake.add_session(9, "remote", "dave", server="near")
    with pytest.raises(terminus.Unavailable):
        ctx.server("far")
    with ctx.server("near") as s:
        assert [x.name for x in s.sessions()] == ["remote"]


def test_logoff_current_user(fake, ctx):
    ctx.logoff()
    terminus.logoff(force=True, ctx=ctx)
    assert fake.logoffs() == Logoffs(2, 1)
    ctx.logoff(force_if_hung=True)
    assert fake.logoffs().flags == 2


# --- exit and listeners ------------------------------------------------------

def test_exit_runs_hooks_lifo_once(fake, ctx):
    ran = []
    ctx.at_exit(lambda: ran.append("first"))

    @ctx.at_exit
    def second():
        ran.append("second")

    terminus.exit(3, ctx=ctx)
    assert ran == ["second", "first"]
    assert fake.exits() == Exits(1, 3, False)
    ctx.exit(4)
    assert ran == ["second", "first"]  # hooks ran once
    ctx.at_exit(lambda: ran.append("third"))
    ctx.exit(5, fast=True)
    assert "third" not in ran
    assert fake.exits() == Exits(3, 5, True)


def test_hook_exception_does_not_stop_the_others(fake, ctx, capsys):
    ran = []
    ctx.at_exit(lambda: ran.append(1))
    ctx.at_exit(lambda: 1 / 0)
    ctx.exit(0)
    assert ran == [1]
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_listener_agrees(fake, ctx):
    reasons = []
    ran = []
    ctx.at_exit(lambda: ran.append("hook"))
    with terminus.listen(lambda reason: reasons.append(reason), exit_code=9, ctx=ctx):
        assert fake.deliver(terminus.Reason.REQUEST) == 1
    assert reasons == [terminus.Reason.REQUEST]
    assert ran == ["hook"]
    assert fake.exits() == Exits(1, 9, False)
    assert fake.deliver() == 0  # closed: nobody listens


def test_listener_declines(fake, ctx):
    reasons = []

    def cb(reason):
        reasons.append(reason)
        return False

    listener = ctx.listen(cb)
    assert fake.deliver(terminus.Reason.LOGOFF) == 1
    assert reasons == [terminus.Reason.LOGOFF]
    assert fake.exits().count == 0
    listener.close()
    listener.close()


def test_listener_kept_alive_without_a_reference(fake, ctx):
    import gc
    calls = []
    ctx.listen(lambda reason: calls.append(reason) or False)
    gc.collect()
    assert fake.deliver() == 1
    assert calls == [terminus.Reason.REQUEST]
    # closing the context closes its listeners
    ctx.close()
    assert fake.open_handles == 0


def test_listener_raising_counts_as_declining(fake, ctx, capsys):
    with ctx.listen(lambda reason: 1 / 0):
        assert fake.deliver() == 1
    assert fake.exits().count == 0
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_listener_from_other_threads(fake, ctx):
    seen = []
    lock = threading.Lock()

    def cb(reason):
        with lock:
            seen.append(threading.get_ident())
        return False

    with ctx.listen(cb):
        threads = [threading.Thread(target=fake.deliver) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(seen) == 8


def test_bad_listener_message(ctx):
    with pytest.raises(terminus.InvalidArgument):
        ctx.listen(lambda r: None, message="")


def test_fake_clock(fake):
    assert fake.now_us == 0
    fake.add_process(50, Behaviour.EXITS_AFTER, after_ms=100, exit_code=2)
    fake.advance(0.05)
    assert fake.process(50).running
    fake.advance(us=60_000)
    info = fake.process(50)
    assert not info.running and info.ended_us == 100_000 and info.exit_code == 2
