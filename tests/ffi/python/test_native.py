"""Real child processes through the native backend.

These run when the library's native backend can terminate processes
(-Dnative_backend=posix); with the unsupported backend terminate raises
Unsupported and each test is skipped, saying so.
"""

import subprocess
import sys
import time

import pytest

import terminus
from terminus import Outcome

# A child that says "ready" once its SIGTERM disposition is set.
GRACEFUL = r"""
import signal, sys, time
signal.signal(signal.SIGTERM, lambda *a: sys.exit(3))
print("ready", flush=True)
time.sleep(60)
sys.exit(10)
"""
STUBBORN = r"""
import signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(60)
sys.exit(10)
"""
LISTENER = r"""
import sys, time
import terminus
terminus.at_exit(lambda: print("hook ran", flush=True))
try:
    terminus.listen(lambda reason: print("saving", int(reason), flush=True), exit_code=4)
except terminus.Unsupported as e:
    print("unsupported:", e, flush=True)
    sys.exit(0)
print("ready", flush=True)
time.sleep(60)
sys.exit(10)
"""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX children")

# Linux has a native backend: there, Unsupported is a failure, never a skip.
NATIVE_EXPECTED = sys.platform.startswith("linux")


def unsupported(e):
    if NATIVE_EXPECTED:
        pytest.fail("the native backend must terminate processes on Linux: {}".format(e))
    pytest.skip("the native backend cannot terminate processes: {}".format(e))


def spawn(code):
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if line.strip() != "ready":
        p.kill()
        p.wait()
        pytest.fail("child did not start: {!r}".format(line))
    return p


def terminate_or_skip(p, **kw):
    try:
        return terminus.terminate(p.pid, **kw)
    except terminus.Unsupported as e:
        p.kill()
        p.wait()
        unsupported(e)


def test_graceful():
    p = spawn(GRACEFUL)
    try:
        t0 = time.monotonic()
        r = terminate_or_skip(p, grace=10.0)
        assert r.outcome == Outcome.EXITED, r
        assert r.exit_code == 3
        assert 0 < r.elapsed_us < 10_000_000
        assert time.monotonic() - t0 < 9.0
        # terminus did not reap our child: Popen still gets its status
        assert p.wait(timeout=10) == 3
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_forced_after_grace():
    p = spawn(STUBBORN)
    try:
        r = terminate_or_skip(p, grace=0.3)
        assert r.outcome == Outcome.FORCED, r
        assert r.elapsed_us >= 300_000
        assert r.exit_code in (137, None)  # 128 + SIGKILL
        assert p.wait(timeout=10) == -9
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_kill_now():
    p = spawn(GRACEFUL)
    try:
        r = terminate_or_skip(p, kill_now=True)
        assert r.outcome == Outcome.FORCED, r
        assert p.wait(timeout=10) == -9
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_no_force_leaves_it_running():
    p = spawn(STUBBORN)
    try:
        with pytest.raises((terminus.Timeout, terminus.Unsupported)) as info:
            terminus.terminate(p.pid, grace=0.2, force=False)
        if isinstance(info.value, terminus.Unsupported):
            unsupported(info.value)
        assert p.poll() is None
    finally:
        p.kill()
        p.wait()


def test_many_children():
    procs = [spawn(GRACEFUL), spawn(STUBBORN), spawn(GRACEFUL)]
    try:
        try:
            # 3 s: room for a loaded machine, where a graceful child took over 0.5 s to exit
            results = terminus.terminate_many([p.pid for p in procs], grace=3.0)
        except terminus.Unsupported as e:
            unsupported(e)
        assert [r.outcome for r in results] == [Outcome.EXITED, Outcome.FORCED, Outcome.EXITED]
        assert [p.wait(timeout=10) for p in procs] == [3, -9, 3]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def test_no_such_process():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()  # reaped: the pid is free (and very unlikely to be reused at once)
    try:
        terminus.terminate(p.pid)
    except terminus.Unsupported as e:
        unsupported(e)
    except terminus.NotFound as e:
        assert str(p.pid) in e.message
    else:
        pytest.fail("terminate of a pid that does not exist returned")


def test_listener_in_a_real_child():
    p = subprocess.Popen([sys.executable, "-c", LISTENER], stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline().strip()
        if line.startswith("unsupported:"):
            unsupported(line)
        if line != "ready":
            pytest.fail("listener child did not start: {!r}".format(line + p.stdout.read()))
        r = terminate_or_skip(p, grace=10.0)
        assert r.outcome == Outcome.EXITED, r
        assert r.exit_code == 4
        out = p.stdout.read()
        assert "saving 1" in out
        assert "hook ran" in out
        assert p.wait(timeout=10) == 4
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


# A child that cleans up on SIGINT (KeyboardInterrupt) and ignores SIGTERM.
CLEANS_UP_ON_SIGINT = r"""
import signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
try:
    print("ready", flush=True)  # inside the try: SIGINT may come at once
    time.sleep(60)
except KeyboardInterrupt:
    print("cleaned up", flush=True)
    sys.exit(5)
sys.exit(10)
"""


def test_signal_steps():
    """The Linux signal sequence: steps=SIGINT reaches a program that cleans
    up on Ctrl+C and ignores SIGTERM; SIGTERM never goes out."""
    p = spawn(CLEANS_UP_ON_SIGINT)
    seen = []
    try:
        r = terminate_or_skip(p, grace=10.0, steps=terminus.Step.SIGINT, progress=seen.append)
        assert r.outcome == Outcome.EXITED, r
        assert r.exit_code == 5
        assert r.detail.ended_by == terminus.EndedBy.SIGINT
        assert r.detail.sent == terminus.Step.SIGINT
        assert [(e.event, e.step) for e in seen] == [
            (terminus.ProgressEvent.STEP, terminus.Step.SIGINT), (terminus.ProgressEvent.ENDED, None)]
        assert "cleaned up" in p.stdout.read()
        assert p.wait(timeout=10) == 5
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_default_chain_is_sigterm_alone():
    p = spawn(STUBBORN)
    try:
        r = terminate_or_skip(p, grace=0.3)
        assert r.outcome == Outcome.FORCED, r
        assert r.detail.ended_by == terminus.EndedBy.KILL
        assert r.detail.sent == terminus.Step.MESSAGE
        assert r.detail.skipped == terminus.Step.CLOSE | terminus.Step.CONSOLE
        assert r.detail.reach == terminus.Step.MESSAGE
        assert {s: c for s, c in r.detail.step_status.items() if c} == {
            terminus.Step.CLOSE: -10, terminus.Step.CONSOLE: -10}
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
