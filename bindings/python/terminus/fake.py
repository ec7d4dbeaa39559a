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

What names a process (:func:`terminus.process_list`, tokens, trees, image
names): a process starts at the virtual clock when it is added (``start_us``
to start it earlier, or later: it does not exist until then; its pid may be
one whose process has ended by then: the pid is reused), has a unique id
(1, 2, 3...), no parent, the name ``"fake-<pid>"``, no session and no uid,
all of which :meth:`Fake.add_process` and the ``set_*`` methods change.
Parent links stay as set (as Windows keeps them), unless
:meth:`Fake.set_traits` gives :data:`REPARENTS` (as Linux re-parents an
orphan). :meth:`Fake.fork_on`
makes a process fork a child when asked to leave::

    fake.add_process(50, Behaviour.IGNORES, name="make")
    fake.add_process(51, Behaviour.IGNORES, parent=50, name="cc")
    fake.fork_on(51, Step.MESSAGE, child=52)           # forks when asked
    r = terminus.terminate(50, grace=1.0, tree=True, ctx=fake.context())
    assert r.detail.tree_members == 3 and not fake.process(52).running

Groups (a cgroup, a job object): :meth:`Fake.set_group` puts a process in
one (its forks follow it); a tree whose group holds it alone is ended
through the group (``detail.tree_group``), and ``job=`` the group's number
makes the group the tree, as a job object handle does on Windows::

    fake.set_group(50, 7); fake.set_group(51, 7)
    r = terminus.terminate(50, grace=1.0, tree=True, job=7, ctx=fake.context())
    assert r.detail.tree_group
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from ctypes import byref, c_int, c_uint32, c_void_p, create_string_buffer
from typing import Any, List, NamedTuple, Optional, Type, Union

from ._core import (
    BLOCKER_UID_UNKNOWN,
    SESSION_CURRENT,
    Context,
    Reason,
    SessionClass,
    SessionState,
    SessionType,
    Step,
    StepsLike,
    _check,
    _Handle,
    _steps,
    _u32,
    _utf8,
)
from ._errors import TerminusError
from ._lib import CBlocker, CFakeProcessInfo, CSessionDetails, lib

__all__ = ["Fake", "Behaviour", "SessionBehaviour", "ProcessInfo", "Exits", "Logoffs",
           "REACH_DEFAULT", "EPOCH", "BOOT_ID", "NAMES_NOCASE", "REPARENTS"]

#: The fake's wall clock at virtual time 0, in seconds since the Unix epoch
#: (TERMINUS_FAKE_EPOCH_US: 2024-01-01 00:00:00 UTC); a session's details
#: count their times to EPOCH + :meth:`Fake.now`.
EPOCH = 1704067200.0

#: The boot id a new fake gives (TERMINUS_FAKE_BOOT_ID).
BOOT_ID = "fakeboot"
#: A trait of the fake's table (TERMINUS_OS_NAMES_NOCASE): image names match
#: without regard to ASCII case, as on Windows (:meth:`Fake.set_traits`).
NAMES_NOCASE = 0x1
#: A trait of the fake's table (TERMINUS_OS_REPARENTS): a process whose parent
#: has ended is listed with parent 1, as Linux re-parents it to init.
REPARENTS = 0x2

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
                    after_ms: int = 0, exit_code: int = 0, *, start_us: Optional[int] = None,
                    parent: Optional[int] = None, name: Optional[str] = None,
                    session: Optional[int] = None, uid: Optional[int] = None) -> None:
        """Add a scripted process.

        ``start_us``: when it starts on the virtual clock (default: now; later:
        it does not exist until then; its pid may then be one whose process
        has ended by then). ``parent``, ``name``, ``session``, ``uid``: as
        :meth:`set_parent`, :meth:`set_name` and :meth:`set_owner` set them.
        """
        p = _u32("add_process", "pid", pid)
        a = _u32("add_process", "after_ms", after_ms)
        c = _u32("add_process", "exit_code", exit_code)
        if start_us is None:
            _check(lib().terminus_fake_process_add(self._h(), p, int(behaviour), a, c))
        else:
            if int(start_us) < 0:
                raise ValueError("add_process: start_us must not be negative")
            _check(lib().terminus_fake_process_add_at(self._h(), p, int(behaviour), a, c,
                                                      int(start_us)))
        if parent is not None:
            self.set_parent(pid, parent)
        if name is not None:
            self.set_name(pid, name)
        if session is not None or uid is not None:
            self.set_owner(pid, session, uid)

    def set_parent(self, pid: int, ppid: int) -> None:
        """Set a scripted process's parent link (0: none). Any pid: a link to a
        process that has ended, or to a pid that names a later one, stays."""
        _check(lib().terminus_fake_process_set_parent(
            self._h(), _u32("set_parent", "pid", pid), _u32("set_parent", "ppid", ppid)))

    def set_name(self, pid: int, name: str) -> None:
        """Set a scripted process's image name (1 to 255 bytes of UTF-8)."""
        _check(lib().terminus_fake_process_set_name(
            self._h(), _u32("set_name", "pid", pid), _utf8("set_name", "name", name)))

    def set_owner(self, pid: int, session: Optional[int] = None,
                  uid: Optional[int] = None) -> None:
        """Set the session and user a scripted process runs as (None: none, unknown)."""
        _check(lib().terminus_fake_process_set_owner(
            self._h(), _u32("set_owner", "pid", pid),
            0xFFFFFFFF if session is None else _u32("set_owner", "session", session),
            0xFFFFFFFF if uid is None else _u32("set_owner", "uid", uid)))

    def set_unique(self, pid: int, unique: int) -> None:
        """Set the number that names a scripted process and no other (0: none,
        as a backend without one, Windows)."""
        if not 0 <= int(unique) <= 0xFFFFFFFFFFFFFFFF:
            raise ValueError("set_unique: unique must be a 64-bit unsigned number")
        _check(lib().terminus_fake_process_set_unique(
            self._h(), _u32("set_unique", "pid", pid), int(unique)))

    def fork_on(self, pid: int, steps: StepsLike, child: int, generations: int = 1,
                behaviour: Behaviour = Behaviour.IGNORES, after_ms: int = 0,
                exit_code: int = 0) -> None:
        """Make a scripted process fork ``child`` when one of ``steps`` first
        reaches it (its parent: that process; its name, session and user
        too). With ``generations`` above 1 the child forks in turn when asked
        (its child's pid one above its own), ``generations`` processes in all."""
        _check(lib().terminus_fake_process_fork_on(
            self._h(), _u32("fork_on", "pid", pid), _steps("fork_on", steps),
            _u32("fork_on", "child", child), _u32("fork_on", "generations", generations),
            int(behaviour), _u32("fork_on", "after_ms", after_ms),
            _u32("fork_on", "exit_code", exit_code)))

    def set_boot_id(self, boot: str) -> None:
        """Set the boot id the fake gives (default :data:`BOOT_ID`), as if the
        machine had booted again: the tokens taken before name no process."""
        _check(lib().terminus_fake_set_boot_id(self._h(), _utf8("set_boot_id", "boot", boot)))

    def set_traits(self, traits: int) -> None:
        """Set the traits of the fake's table (:data:`NAMES_NOCASE`: match image
        names as Windows does; :data:`REPARENTS`: re-parent orphans as Linux
        does). Contexts made before keep the traits they had."""
        _check(lib().terminus_fake_set_traits(self._h(), _u32("set_traits", "traits", traits)))

    def set_group(self, pid: int, group: int) -> None:
        """Put a scripted process in a group (0: none), as a cgroup or a job
        object holds a process and what it starts (a child it forks is in its
        group). A tree terminate of a process in a group that holds its tree
        alone uses the group, as the Linux backend uses a cgroup; ``job=group``
        makes the group the tree, as a job object does on Windows."""
        _check(lib().terminus_fake_process_set_group(
            self._h(), _u32("set_group", "pid", pid), _u32("set_group", "group", group)))

    def set_self_group(self, group: int) -> None:
        """Set the caller's own group (0: none): a tree in it is walked, a job
        that is it is Refused."""
        _check(lib().terminus_fake_set_self_group(self._h(),
                                                  _u32("set_self_group", "group", group)))

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

    def set_details(self, id: int, server: str = "", *,
                    type: SessionType = SessionType.UNKNOWN,
                    session_class: SessionClass = SessionClass.UNKNOWN,
                    remote: Optional[bool] = None, idle_hint: Optional[bool] = None,
                    logon: Optional[float] = None, idle_since: Optional[float] = None,
                    disconnected: Optional[float] = None, client: str = "", address: str = "",
                    seat: str = "", tty: str = "") -> None:
        """Set what a session's details say (times: seconds since the Unix
        epoch, on the fake's clock: :data:`EPOCH` + :meth:`now`)."""
        d = CSessionDetails()
        d.type, d.session_class = int(type), int(session_class)
        d.remote = -1 if remote is None else int(bool(remote))
        d.idle_hint = -1 if idle_hint is None else int(bool(idle_hint))
        d.logon_us = 0 if logon is None else int(logon * 1e6)
        d.idle_since_us = 0 if idle_since is None else int(idle_since * 1e6)
        d.disconnect_us = 0 if disconnected is None else int(disconnected * 1e6)
        for name, value in (("client", client), ("address", address), ("seat", seat),
                            ("tty", tty)):
            setattr(d, name, _utf8("set_details", name, value))
        _check(lib().terminus_fake_session_set_details(
            self._h(), _utf8("set_details", "server", server), _u32("set_details", "id", id),
            byref(d)))

    def end_after(self, id: int, after_ms: int, server: str = "") -> None:
        """Make a session end by itself (its user logs off) ``after_ms`` from now."""
        _check(lib().terminus_fake_session_end_after(
            self._h(), _utf8("end_after", "server", server), _u32("end_after", "id", id),
            _u32("end_after", "after_ms", after_ms)))

    def refuse_messages(self, id: int, error: Union[int, Type[TerminusError], None],
                        server: str = "") -> None:
        """Make messages to a session fail with ``error`` (None: shown again)."""
        code = 0 if error is None else _code(error)
        _check(lib().terminus_fake_session_set_message(
            self._h(), _utf8("refuse_messages", "server", server),
            _u32("refuse_messages", "id", id), code))

    def messages(self, id: int, server: str = "") -> "tuple[int, str]":
        """How many messages a session was shown, and the last ("title: text")."""
        buf = create_string_buffer(2048)
        n = lib().terminus_fake_session_messages(
            self._h(), _utf8("messages", "server", server), _u32("messages", "id", id), buf, 2048)
        return int(n), buf.value.decode("utf-8", "replace")

    def add_blocker(self, who: str, why: str, server: str = "", what: str = "shutdown",
                    mode: str = "block", uid: Optional[int] = None, pid: int = 0) -> None:
        """Something that holds a logoff or shutdown back on a server, for every session."""
        b = CBlocker()
        for name, value in (("what", what), ("who", who), ("why", why), ("mode", mode)):
            setattr(b, name, _utf8("add_blocker", name, value))
        b.uid = BLOCKER_UID_UNKNOWN if uid is None else _u32("add_blocker", "uid", uid)
        b.pid = _u32("add_blocker", "pid", pid)
        _check(lib().terminus_fake_blocker_add(self._h(), _utf8("add_blocker", "server", server),
                                               byref(b)))

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

    def set_latency(self, primitive: str, us: int) -> None:
        """Make each later call of an OS primitive ("process_open", ... or
        "*") cost ``us`` microseconds of virtual time, as a slow OS call
        would (0: free again)."""
        _check(lib().terminus_fake_set_latency(self._h(), _utf8("set_latency", "primitive",
                                                                primitive),
                                               _u32("set_latency", "us", us)))

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
