"""The fake OS: test code that ends things without ending anything.

A :class:`Fake` is a scripted world: processes that leave on request after
some milliseconds, ignore requests, leave by themselves, are already gone or
cannot be opened; servers with sessions; faults injected into any OS
primitive by name; a log of every call; and a virtual clock, so that a
5-second grace period costs no real time::

    from terminus.fake import Fake, Behaviour

    with Fake() as fake:
        fake.add_process(42, Behaviour.EXITS_ON_REQUEST, after_ms=300)
        r = terminus.terminate(42, ctx=fake.context())
        assert r.outcome == terminus.Outcome.EXITED and r.elapsed_us == 300_000

The fake says the calling process has pid 1000 (:meth:`Fake.set_self`) and
pid 1 is the system's first process (both are Refused by terminate).

The close chain (:class:`terminus.Step`): a scripted process is reached by
:data:`REACH_DEFAULT`, refuses no step and, if it exits on request, leaves
after the message step; :meth:`Fake.set_reach`, :meth:`Fake.exit_on` and
:meth:`Fake.deny_steps` change that (a program with windows, one that ends
on SIGHUP, an elevated one behind UIPI), :meth:`Fake.step_count` says which
steps reached it::

    fake.add_process(42, Behaviour.IGNORES)
    fake.set_reach(42, Step.MESSAGE | Step.CLOSE)      # a listener and a window
    fake.exit_on(42, Step.CLOSE, after_ms=100)         # it closes on WM_CLOSE
    r = terminus.terminate(42, grace=2.0, ctx=fake.context())
    assert r.detail.ended_by == terminus.EndedBy.CLOSE and r.elapsed_us == 1_100_000
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from ctypes import byref, c_int, c_uint32, c_void_p, create_string_buffer
from typing import Any, List, NamedTuple, Optional, Type, Union

from ._core import (
    SESSION_CURRENT,
    Context,
    Reason,
    SessionState,
    Step,
    StepsLike,
    _check,
    _Handle,
    _steps,
    _u32,
    _utf8,
)
from ._errors import TerminusError
from ._lib import CFakeProcessInfo, lib

__all__ = ["Fake", "Behaviour", "SessionBehaviour", "ProcessInfo", "Exits", "Logoffs",
           "REACH_DEFAULT"]

#: The steps that reach a scripted process unless :meth:`Fake.set_reach` says
#: otherwise (TERMINUS_FAKE_REACH_DEFAULT): the message and the signals, as for
#: a Linux process (no window, no console).
REACH_DEFAULT = Step.MESSAGE | Step.SIGINT | Step.SIGHUP


class Behaviour(enum.IntEnum):
    """How a scripted process behaves (TERMINUS_FAKE_*)."""

    EXITS_ON_REQUEST = 1  #: leaves ``after_ms`` after a request, with ``exit_code``
    IGNORES = 2           #: ignores requests (hung or stubborn); a kill ends it
    EXITS_AFTER = 3       #: leaves by itself ``after_ms`` after it was added
    GONE = 4              #: has already exited with ``exit_code``
    DENIED = 5            #: cannot be opened: access denied
    UNKILLABLE = 6        #: ignores requests and kills (stuck in the kernel)
    KILL_DENIED = 7       #: ignores requests; a kill fails with access denied


class SessionBehaviour(enum.IntEnum):
    """What a scripted session does when logged off (TERMINUS_FAKE_SESSION_*)."""

    ENDS = 0    #: gone ``after_ms`` after the logoff
    DENIED = 1  #: the logoff fails: access denied
    HANGS = 2   #: the logoff succeeds, the session never goes


class ProcessInfo(NamedTuple):
    """What happened to a scripted process."""

    running: bool
    exit_code: int
    requests: int  #: exit requests it received
    kills: int     #: kills it received
    ended_us: int  #: the virtual time it ended at, once ended


@dataclass(frozen=True)
class Exits:
    """The exits the library asked of the fake: how many, and the last one."""

    count: int
    exit_code: Optional[int]
    fast: Optional[bool]


@dataclass(frozen=True)
class Logoffs:
    """The logoffs the library asked of the fake: how many, and the last flags."""

    count: int
    flags: Optional[int]


def _code(error: Union[int, Type[TerminusError]]) -> int:
    if isinstance(error, type) and issubclass(error, TerminusError):
        if error.CODE is None:
            raise TypeError("fail: give a subclass of TerminusError with a code, such as NotFound")
        return error.CODE
    return int(error)


class Fake(_Handle):
    """A fake OS (a context manager; :meth:`close` frees it and its contexts)."""

    def __init__(self) -> None:
        super().__init__(None)
        out = c_void_p()
        _check(lib().terminus_fake_new(byref(out)))
        self._opened(out.value)
        # Contexts are held (not weakly): in a garbage cycle the fake must not
        # be freed before a context made over it.
        self._contexts: List[Context] = []

    def _free(self, handle: Optional[int]) -> None:
        if handle is not None:
            lib().terminus_fake_free(handle)

    def close(self) -> None:
        """Close every context made over the fake, then free it."""
        with self._lock:
            contexts, self._contexts = list(getattr(self, "_contexts", [])), []
        for ctx in contexts:
            ctx.close()
        super().close()

    def __enter__(self) -> "Fake":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def context(self) -> Context:
        """A new context over this fake; pass it as ``ctx=`` or call its methods."""
        ctx = Context._over(lib().terminus_fake_os(self._h()), self)
        with self._lock:
            self._contexts.append(ctx)
        return ctx

    # --- clock and self -----------------------------------------------------

    @property
    def now_us(self) -> int:
        """The virtual clock, in microseconds since the fake was made."""
        return int(lib().terminus_fake_now_us(self._h()))

    @property
    def now(self) -> float:
        """The virtual clock, in seconds."""
        return self.now_us / 1e6

    def advance(self, seconds: float = 0.0, *, us: int = 0) -> None:
        """Move the clock forward; processes due to exit by then exit."""
        total = int(round(seconds * 1e6)) + int(us)
        if total < 0:
            raise ValueError("advance: the clock only moves forward")
        _check(lib().terminus_fake_advance(self._h(), total))

    def set_self(self, pid: int) -> None:
        """Set the pid the fake says the calling process has (default 1000)."""
        _check(lib().terminus_fake_set_self(self._h(), _u32("set_self", "pid", pid)))

    # --- processes ----------------------------------------------------------

    def add_process(self, pid: int, behaviour: Behaviour = Behaviour.EXITS_ON_REQUEST,
                    after_ms: int = 0, exit_code: int = 0) -> None:
        """Add a scripted process."""
        _check(lib().terminus_fake_process_add(
            self._h(), _u32("add_process", "pid", pid), int(behaviour),
            _u32("add_process", "after_ms", after_ms), _u32("add_process", "exit_code", exit_code)))

    def process(self, pid: int) -> ProcessInfo:
        """What happened to a scripted process (NotFound if there is none)."""
        info = CFakeProcessInfo()
        _check(lib().terminus_fake_process_get(self._h(), _u32("process", "pid", pid), byref(info)))
        return ProcessInfo(bool(info.running), int(info.exit_code), int(info.requests),
                           int(info.kills), int(info.ended_us))

    # --- the close chain -------------------------------------------------------

    def set_reach(self, pid: int, reach: StepsLike) -> None:
        """Set the steps that can reach a scripted process (0: none can: no
        window, no console, another session). A step outside them sent all
        the same fails with :class:`terminus.Unreachable`. It may be changed
        at any time, for example from a progress callback."""
        _check(lib().terminus_fake_process_set_reach(
            self._h(), _u32("set_reach", "pid", pid), _steps("set_reach", reach)))

    def exit_on(self, pid: int, steps: StepsLike, after_ms: int = 0, exit_code: int = 0) -> None:
        """Make a scripted process leave with ``exit_code``, ``after_ms`` after
        the first of ``steps`` reaches it (it replaces the rule it had;
        EXITS_ON_REQUEST is ``Step.MESSAGE``)."""
        _check(lib().terminus_fake_process_exit_on(
            self._h(), _u32("exit_on", "pid", pid), _steps("exit_on", steps),
            _u32("exit_on", "after_ms", after_ms), _u32("exit_on", "exit_code", exit_code)))

    def deny_steps(self, pid: int, steps: StepsLike) -> None:
        """Make some steps fail on a scripted process with
        :class:`terminus.AccessDenied`, as UIPI refuses a post to an elevated
        window: they still reach it, sending one fails (C: deny_step)."""
        _check(lib().terminus_fake_process_deny_step(
            self._h(), _u32("deny_steps", "pid", pid), _steps("deny_steps", steps)))

    def step_count(self, pid: int, step: Step) -> int:
        """How many times ``step`` (one step) reached a scripted process."""
        count = c_uint32(0)
        _check(lib().terminus_fake_process_step_count(
            self._h(), _u32("step_count", "pid", pid), _u32("step_count", "step", step),
            byref(count)))
        return int(count.value)

    # --- servers and sessions -------------------------------------------------

    def add_server(self, name: str, reachable: bool = True) -> None:
        """Add a server (or change whether it can be reached)."""
        _check(lib().terminus_fake_server_add(self._h(), _utf8("add_server", "name", name),
                                              1 if reachable else 0))

    def add_session(self, id: int, name: str, user: str = "",
                    state: SessionState = SessionState.ACTIVE,
                    behaviour: SessionBehaviour = SessionBehaviour.ENDS, after_ms: int = 0,
                    server: str = "") -> None:
        """Add a session to a server ("" = this machine; added if missing)."""
        _check(lib().terminus_fake_session_add(
            self._h(), _utf8("add_session", "server", server), _u32("add_session", "id", id),
            int(state), _utf8("add_session", "name", name), _utf8("add_session", "user", user),
            int(behaviour), _u32("add_session", "after_ms", after_ms)))

    def set_current_session(self, id: Optional[int]) -> None:
        """Set the caller's own session on this machine (None: in no session)."""
        sid = SESSION_CURRENT if id is None else _u32("set_current_session", "id", id)
        _check(lib().terminus_fake_set_current_session(self._h(), sid))

    def session_exists(self, id: int, server: str = "") -> bool:
        """Whether a session is still there."""
        return bool(lib().terminus_fake_session_exists(
            self._h(), _utf8("session_exists", "server", server),
            _u32("session_exists", "id", id)) == 1)

    # --- faults ---------------------------------------------------------------

    def fail(self, primitive: str, error: Union[int, Type[TerminusError]], nth: int = 1,
             persistent: bool = False, os_code: int = 0) -> None:
        """Make the ``nth`` call (from now) of an OS primitive fail.

        Args:
            primitive: a member name of the OS table ("process_open",
                "process_kill", "wait_any", "server_open", "session_list",
                ...) or "*" for any primitive, counted together.
            error: the exception class (``terminus.AccessDenied``) or a code.
            nth: which call, from 1.
            persistent: fail every call from the ``nth`` on, not just once.
            os_code: the native error number to report.
        """
        _check(lib().terminus_fake_fail(self._h(), _utf8("fail", "primitive", primitive),
                                        _u32("fail", "nth", nth), 1 if persistent else 0,
                                        _code(error), int(os_code)))

    def fail_clear(self) -> None:
        """Remove the fault."""
        lib().terminus_fake_fail_clear(self._h())

    @property
    def faults_fired(self) -> int:
        """How many calls the fault has made fail."""
        return int(lib().terminus_fake_faults_fired(self._h()))

    # --- the call log ---------------------------------------------------------

    def call_count(self, primitive: Optional[str] = None) -> int:
        """How many primitive calls were made (of one primitive, or of all)."""
        return int(lib().terminus_fake_call_count(self._h(), _utf8("call_count", "primitive", primitive)))

    def calls(self) -> List[str]:
        """The call log, e.g. ``["process_open(42) = 0", ...]``."""
        h = self._h()
        buf = create_string_buffer(512)
        out = []
        for i in range(int(lib().terminus_fake_call_count(h, None))):
            if lib().terminus_fake_call(h, i, buf, len(buf)) != 0:
                break
            out.append(buf.value.decode("utf-8", "replace"))
        return out

    def calls_clear(self) -> None:
        """Empty the call log."""
        lib().terminus_fake_calls_clear(self._h())

    @property
    def open_handles(self) -> int:
        """How many handles (processes, wait sets, servers, listeners) are open."""
        return int(lib().terminus_fake_open_handles(self._h()))

    # --- the caller's side ----------------------------------------------------

    def deliver(self, reason: Reason = Reason.REQUEST) -> int:
        """Call the listeners of this (fake) process on the calling thread, as
        the OS would on a request; returns how many were called."""
        n = lib().terminus_fake_deliver(self._h(), int(reason))
        if n < 0:
            _check(n)
        return int(n)

    def exits(self) -> Exits:
        """The exits that reached the fake (a clean exit or a listener's)."""
        code = c_uint32(0)
        fast = c_int(0)
        n = int(lib().terminus_fake_exits(self._h(), byref(code), byref(fast)))
        return Exits(n, int(code.value) if n else None, bool(fast.value) if n else None)

    def logoffs(self) -> Logoffs:
        """The logoffs of the current user that reached the fake."""
        flags = c_uint32(0)
        n = int(lib().terminus_fake_logoffs(self._h(), byref(flags)))
        return Logoffs(n, int(flags.value) if n else None)
