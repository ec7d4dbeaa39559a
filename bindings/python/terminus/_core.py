"""The Python API over the C library (private module; import from terminus)."""

from __future__ import annotations

import enum
import operator
import sys
import threading
import traceback
import weakref
from ctypes import POINTER, byref, c_size_t, c_uint32, c_uint64, c_void_p, create_string_buffer
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Type, TypeVar, Union

from . import _errors
from ._errors import E_INVALID, E_REFUSED, E_UNSUPPORTED, OK, InvalidArgument, TerminusError
from ._lib import (
    CLEANUP_FN,
    DETAIL_STEPS,
    PROGRESS_FN,
    REQUEST_FN,
    CDetail,
    CProgress,
    CBlocker,
    CResult,
    CSessionDetails,
    CSessionFilter,
    CSessionInfo,
    CSessionLogoffOptions,
    CSessionOutcome,
    CTerminateOptions,
    lib,
)

#: The registered message name used when none is given (TERMINUS_DEFAULT_MESSAGE).
DEFAULT_MESSAGE = "terminus-request-exit-v1"
#: Session id meaning "the caller's own session" (TERMINUS_SESSION_CURRENT).
SESSION_CURRENT = 0xFFFFFFFF
#: Raw exit code meaning "not known" (TERMINUS_EXIT_CODE_UNKNOWN); Result.exit_code is None then.
EXIT_CODE_UNKNOWN = 0xFFFFFFFF
#: How long a terminate waits for a killed process to be seen gone, in seconds.
KILL_WAIT = 5.0

_U32_MAX = 0xFFFFFFFF
# The codes of a terminate rejected as a whole, before anything was sent.
_REJECTED = (E_INVALID, E_REFUSED, E_UNSUPPORTED)
_OPTIONS_VERSION_2 = 2
_TERMINATE_NO_FORCE = 0x1
_TERMINATE_FORCE = 0x2
_TERMINATE_BROADCAST = 0x4
_TERMINATE_CTRL_BREAK = 0x8
_TERMINATE_TREE = 0x10
_EXIT_FAST = 0x1
_LOGOFF_FORCE = 0x1
_LOGOFF_FORCE_IF_HUNG = 0x2
_SESSION_WAIT = 0x1
_SESSION_DRY_RUN = 0x2
_SESSION_WARNED_ONLY = 0x4
_FILTER_IDLE = 0x1
_FILTER_ID = 0x2
_FILTER_VERSION = 1
_LOGOFF_OPTIONS_VERSION = 1
#: terminus_blocker::uid when unknown (TERMINUS_BLOCKER_UID_UNKNOWN); Blocker.uid is None then.
BLOCKER_UID_UNKNOWN = 0xFFFFFFFF


class Outcome(enum.IntEnum):
    """What happened to a terminate target (TERMINUS_OUTCOME_*)."""

    NONE = 0    #: nothing happened: an error, or still running (see Result.status)
    EXITED = 1  #: it left by itself after the request, within the grace period
    FORCED = 2  #: it was killed
    GONE = 3    #: it had already exited


class Step(enum.IntFlag):
    """The steps of the close chain (TERMINUS_STEP_*): the graceful requests a
    terminate sends, in this order. Each one that can reach a target gets an
    equal share of the grace period; one that cannot is skipped for it at
    once. A step of the other platform never reaches anything, so one set of
    steps serves both."""

    MESSAGE = 0x01  #: Windows: the registered message to the listener; Linux: SIGTERM
    CLOSE = 0x02    #: Windows: WM_CLOSE to each top-level window (taskkill without /F)
    CONSOLE = 0x04  #: Windows: Ctrl+C (Ctrl+Break with ctrl_break=True) to it alone
    SIGINT = 0x08   #: Linux: SIGINT, for programs that clean up on Ctrl+C
    SIGHUP = 0x10   #: Linux: SIGHUP, for programs that end when their terminal goes


#: The default chain (TERMINUS_STEPS_DEFAULT): Windows: message, close, console; Linux: SIGTERM.
STEPS_DEFAULT = Step.MESSAGE | Step.CLOSE | Step.CONSOLE
#: Every step this version knows (TERMINUS_STEPS_ALL).
STEPS_ALL = Step.MESSAGE | Step.CLOSE | Step.CONSOLE | Step.SIGINT | Step.SIGHUP

#: What :attr:`Terminate`'s ``steps`` accepts: a :class:`Step` (or an int of
#: their bits), or several steps to combine.
StepsLike = Union[Step, int, Iterable[Step]]


class EndedBy(enum.IntEnum):
    """What ended a target (TERMINUS_ENDED_* or the step that went out last
    before it left)."""

    NONE = 0x000     #: it did not end (an error, or still running with force=False)
    MESSAGE = 0x01   #: it left after the message (Linux: SIGTERM)
    CLOSE = 0x02     #: it left after WM_CLOSE
    CONSOLE = 0x04   #: it left after Ctrl+C (Ctrl+Break)
    SIGINT = 0x08    #: it left after SIGINT
    SIGHUP = 0x10    #: it left after SIGHUP
    KILL = 0x100     #: the kill
    GONE = 0x200     #: it had already ended before anything was sent


class ProgressEvent(enum.IntEnum):
    """What a :class:`Progress` reports (TERMINUS_PROGRESS_*)."""

    STEP = 1   #: a step went out to a target, or was skipped for it (see ``status``)
    KILL = 2   #: the kill went out to a target
    ENDED = 3  #: a target ended, or its result is settled


class SessionState(enum.IntEnum):
    """The state of a session (TERMINUS_SESSION_*)."""

    ACTIVE = 0        #: a user is logged on and it is in front
    CONNECTED = 1     #: connected, not (yet) active
    DISCONNECTED = 4  #: a user is logged on, nobody is connected
    LISTEN = 6        #: a listener (the RDP listener on Windows); never logged off
    DOWN = 8          #: down (Windows); never logged off
    OTHER = 9         #: idle, closing, or a state the backend does not name
    INIT = 10         #: being initialized (Windows); never logged off


class SessionType(enum.IntEnum):
    """What kind of session (TERMINUS_SESSION_TYPE_*)."""

    UNKNOWN = 0  #: the backend cannot tell
    TTY = 1      #: a text terminal (logind "tty": a console or an ssh login)
    X11 = 2      #: an X11 desktop
    WAYLAND = 3  #: a Wayland desktop
    RDP = 4      #: a Remote Desktop session (Windows)
    CONSOLE = 5  #: the machine's own console (Windows)
    OTHER = 6    #: a type terminus has no name for


class SessionClass(enum.IntEnum):
    """logind's class of a session (TERMINUS_SESSION_CLASS_*); UNKNOWN on Windows."""

    UNKNOWN = 0
    USER = 1
    GREETER = 2      #: a login screen: never selected by state, idle time or user
    LOCK_SCREEN = 3
    BACKGROUND = 4
    OTHER = 5


class Reason(enum.IntEnum):
    """Why a listener's callback is called (TERMINUS_REASON_*)."""

    REQUEST = 1  #: a terminate request for this process
    LOGOFF = 2   #: the session is ending


_E = TypeVar("_E", bound=enum.IntEnum)


def _enum(cls: Type[_E], value: int, default: _E) -> _E:
    try:
        return cls(value)
    except ValueError:
        return default


# --- errors ------------------------------------------------------------------

def strerror(code: int) -> str:
    """A short English description of a code, such as ``"access denied"``."""
    return str(lib().terminus_strerror(code).decode("utf-8", "replace"))


def error_name(code: int) -> str:
    """The C name of a code, such as ``"TERMINUS_E_ACCESS_DENIED"``."""
    return str(lib().terminus_error_name(code).decode("utf-8", "replace"))


def version() -> str:
    """The version of the loaded C library, ``"MAJOR.MINOR.PATCH"``."""
    return str(lib().terminus_version().decode("ascii"))


def _last_error(rc: int) -> TerminusError:
    """The exception for a failed call, from the thread's error record."""
    e = lib().terminus_error_last().contents
    if e.code == rc and e.message:
        return _errors.make_error(rc, int(e.os_code), e.message.decode("utf-8", "replace"))
    return _errors.make_error(rc, 0, strerror(rc))


def _check(rc: int) -> None:
    if rc != OK:
        raise _last_error(rc)


def _invalid(message: str) -> InvalidArgument:
    return InvalidArgument(E_INVALID, 0, message)


def _u32(fn: str, what: str, value: Any) -> int:
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError("{}: {} must be an int, not {}".format(fn, what, type(value).__name__)) from None
    if v < 0 or v > _U32_MAX:
        raise _invalid("{}: {} {} is out of range (0 to {})".format(fn, what, v, _U32_MAX))
    return v


def _ms(fn: str, what: str, seconds: float) -> int:
    try:
        ms = round(float(seconds) * 1000.0)
    except (TypeError, ValueError, OverflowError):
        raise _invalid("{}: {} must be a number of seconds, not {!r}".format(fn, what, seconds)) from None
    if ms < 0 or ms > _U32_MAX:
        raise _invalid("{}: {} {!r} s is out of range (0 to {} s)".format(fn, what, seconds, _U32_MAX // 1000))
    return ms


def _utf8(fn: str, what: str, s: Optional[str]) -> Optional[bytes]:
    if s is None:
        return None
    if not isinstance(s, str):
        raise TypeError("{}: {} must be a str, not {}".format(fn, what, type(s).__name__))
    try:
        return s.encode("utf-8")
    except UnicodeEncodeError as e:
        raise _invalid("{}: {} is not encodable as UTF-8 ({})".format(fn, what, e)) from None


# --- results -----------------------------------------------------------------

@dataclass
class Result:
    """What happened to one terminate target.

    ``status`` is 0 (OK) when the target ended (``outcome`` EXITED, FORCED or
    GONE); otherwise it is the ``TERMINUS_E_*`` code for this target,
    ``outcome`` is NONE, and ``error`` holds the matching exception (not raised).
    """

    pid: int
    status: int
    outcome: Outcome
    exit_code: Optional[int]  #: None when it cannot be known
    elapsed_us: int           #: from the request (the kill, with kill_now) to the end; 0 for GONE
    error: Optional[TerminusError] = field(default=None, compare=False, repr=False)
    #: step by step, what the terminate did to it (None when the call was rejected as a
    #: whole: InvalidArgument, Refused, Unsupported)
    detail: Optional["Detail"] = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        """True when the target ended (status 0)."""
        return self.status == OK

    @property
    def elapsed(self) -> float:
        """``elapsed_us`` in seconds."""
        return self.elapsed_us / 1e6


def _step_bits(value: int) -> List[Step]:
    """The single steps of a set of bits, in chain order (unknown bits left out)."""
    return [Step(1 << b) for b in range(DETAIL_STEPS) if value & (1 << b) and (1 << b) & STEPS_ALL]


@dataclass(frozen=True)
class Detail:
    """What a terminate did to one target, step by step (terminus_detail).

    ``step_status`` has an entry for each step asked for that could apply:
    0 when it went out, else why not (:class:`Unreachable`'s code: it cannot
    reach this target; :class:`AccessDenied`'s: refused, e.g. by UIPI;
    another code: it failed). ``step_at_us`` has one for each step that went
    out: when, counted from the start of the call (on a fake, its virtual
    clock). ``kill_at_us`` is when the kill went out, or None.
    """

    ended_by: EndedBy
    reach: Step    #: the steps asked for that could reach it
    sent: Step     #: the steps that went out to it
    skipped: Step  #: the steps asked for that were not sent
    step_status: Dict[Step, int]
    step_at_us: Dict[Step, int]
    kill_at_us: Optional[int]
    #: with ``tree=True``: how many processes its tree had, itself included (0 if it was
    #: never found); 1 otherwise
    tree_members: int = 1
    #: with ``tree=True``: how many of them did not end (0 when the whole tree ended)
    tree_escaped: int = 0
    #: with ``tree=True``: True when the OS group that holds the tree (Linux: the
    #: target's own cgroup; Windows: the ``job`` given) was the tree, False when the
    #: process list was walked (C: tree_group)
    tree_group: bool = False

    def error(self, step: Step) -> Optional[TerminusError]:
        """Why ``step`` was not sent, as an exception (not raised); None if it went out."""
        code = self.step_status.get(Step(step), OK)
        if code == OK:
            return None
        return _errors.make_error(code, 0, "{}: {}".format(Step(step).name, strerror(code)))

    def at(self, step: Step) -> Optional[float]:
        """When ``step`` went out, in seconds from the start of the call; None if it did not."""
        us = self.step_at_us.get(Step(step))
        return None if us is None else us / 1e6


def _detail(d: CDetail) -> Detail:
    sent = int(d.sent)
    skipped = int(d.skipped)
    ended = int(d.ended_by)
    try:
        ended_by = EndedBy(ended)
    except ValueError:
        ended_by = EndedBy.NONE
    status: Dict[Step, int] = {}
    at: Dict[Step, int] = {}
    for step in _step_bits(sent | skipped):
        b = int(step).bit_length() - 1
        status[step] = int(d.step_status[b])
        if sent & int(step):
            at[step] = int(d.step_at_us[b])
    kill = int(d.kill_at_us)
    return Detail(
        ended_by=ended_by,
        reach=Step(int(d.reach) & STEPS_ALL),
        sent=Step(sent & STEPS_ALL),
        skipped=Step(skipped & STEPS_ALL),
        step_status=status,
        step_at_us=at,
        # 0 means "no kill", except that on a fake clock a kill may go out at 0
        kill_at_us=kill if kill != 0 or ended_by == EndedBy.KILL else None,
        tree_members=int(d.tree_members),
        tree_escaped=int(d.tree_escaped),
        tree_group=int(d.tree_group) != 0,
    )


@dataclass(frozen=True)
class Progress:
    """One event of a terminate, as a ``progress`` callback sees it (terminus_progress)."""

    index: int             #: which target: its index in the pids given (0 for terminate)
    pid: int
    event: ProgressEvent
    step: Optional[Step]   #: for STEP: which step; otherwise None
    status: int            #: 0 (it went out, or it ended) or why not; for ENDED: Result.status
    outcome: Outcome       #: for ENDED: the target's outcome; otherwise NONE
    at_us: int             #: when, counted from the start of the call

    @property
    def ok(self) -> bool:
        """True when the step or kill went out (or the target ended)."""
        return self.status == OK

    @property
    def at(self) -> float:
        """``at_us`` in seconds."""
        return self.at_us / 1e6


def _progress(p: CProgress) -> Progress:
    event = _enum(ProgressEvent, p.event, ProgressEvent.STEP)
    step: Optional[Step] = None
    if event == ProgressEvent.STEP:
        step = Step(int(p.step) & STEPS_ALL)
    return Progress(index=int(p.index), pid=int(p.pid), event=event, step=step,
                    status=int(p.status), outcome=_enum(Outcome, p.outcome, Outcome.NONE),
                    at_us=int(p.at_us))


class _Call:
    """The version-2 options of one terminate call and what they point to:
    the detail array and the progress callback, kept alive for the call. An
    exception raised by the callback is kept (it never crosses into C), the
    callback is not called again, and :meth:`reraise` raises it once the C
    call has returned."""

    def __init__(self, fn: str, count: int, grace: float, force: bool, kill_now: bool,
                 message: Optional[str], forced_exit_code: int, steps: Optional[StepsLike],
                 broadcast: bool, ctrl_break: bool,
                 progress: Optional[Callable[[Progress], Any]], tree: bool = False,
                 job: Optional[int] = None) -> None:
        o = CTerminateOptions()
        _check(lib().terminus_terminate_options_init(byref(o), _OPTIONS_VERSION_2))
        o.grace_ms = _ms(fn, "grace", grace)
        o.forced_exit_code = _u32(fn, "forced_exit_code", forced_exit_code)
        o.flags = ((0 if force else _TERMINATE_NO_FORCE) | (_TERMINATE_FORCE if kill_now else 0)
                   | (_TERMINATE_BROADCAST if broadcast else 0)
                   | (_TERMINATE_CTRL_BREAK if ctrl_break else 0)
                   | (_TERMINATE_TREE if tree else 0))
        o.message = _utf8(fn, "message", message)
        if steps is not None:
            o.steps = _steps(fn, steps)
        if job is not None:
            if isinstance(job, bool) or not isinstance(job, int) or job <= 0:
                raise TypeError("{}: job must be a job handle, an int above 0".format(fn))
            o.job = job  # the library says InvalidArgument without tree=True
        #: how many targets have a detail (terminate_name: as many as fit)
        self.room = count
        self.details = (CDetail * max(count, 1))()
        if count > 0:  # no targets: no array (a count of 0 with one is INVALID)
            o.details = self.details
            o.details_count = count
        self.error: Optional[BaseException] = None
        self.fn: Any = None
        if progress is not None:
            if not callable(progress):
                raise TypeError("{}: progress must be callable".format(fn))

            def trampoline(_arg: Any, p: Any) -> None:
                if self.error is not None:
                    return
                try:
                    progress(_progress(p.contents))
                except BaseException as e:  # must not cross into C
                    self.error = e

            self.fn = PROGRESS_FN(trampoline)  # alive as long as this call
            o.progress = self.fn
        self.options = o

    def detail(self, i: int) -> Detail:
        return _detail(self.details[i])

    def reraise(self) -> None:
        if self.error is not None:
            e, self.error = self.error, None
            raise e


def _steps(fn: str, steps: StepsLike) -> int:
    if isinstance(steps, int):
        return _u32(fn, "steps", steps)
    try:
        items = list(steps)
    except TypeError:
        raise TypeError("{}: steps must be a Step, an int or an iterable of Step, not {}".format(
            fn, type(steps).__name__)) from None
    bits = 0
    for s in items:
        bits |= _u32(fn, "steps", s)
    return bits


@dataclass(frozen=True)
class SessionInfo:
    """One session on a server."""

    id: int
    state: SessionState
    name: str  #: "RDP-Tcp#3", "Console", a logind id such as "c2"
    user: str  #: "alice" or "DOMAIN\\alice"; "" if none


def _seconds(us: int) -> Optional[float]:
    return None if us <= 0 else us / 1e6


def _tri(v: int) -> Optional[bool]:
    return None if v < 0 else bool(v)


def _text(b: bytes) -> str:
    return b.decode("utf-8", "replace")


@dataclass(frozen=True)
class SessionDetails:
    """One session with what an administrator needs to decide about it.

    Times are seconds since the Unix epoch on the server's clock (``None``:
    unknown); ``idle`` is how long it has been idle in seconds, by the one
    rule of the C library (``terminus_session_idle_ms``), ``None`` when
    unknown; ``idle_text`` is that time as ``query user`` writes it.
    """

    id: int
    state: SessionState
    name: str
    user: str
    type: SessionType
    session_class: SessionClass
    remote: Optional[bool]     #: used from another machine (None: unknown)
    idle_hint: Optional[bool]  #: logind's IdleHint (None on Windows)
    logon: Optional[float]
    idle_since: Optional[float]
    disconnected: Optional[float]
    now: Optional[float]       #: the server's clock when this was read
    client: str                #: the client's host ("" if none)
    address: str               #: the client's address (Windows)
    seat: str                  #: the seat (logind) or the window station (Windows)
    tty: str                   #: the terminal (logind)
    idle: Optional[float]
    idle_text: str


def _details(c: CSessionDetails) -> SessionDetails:
    idle_ms = int(lib().terminus_session_idle_ms(byref(c)))
    return SessionDetails(
        id=int(c.id),
        state=_enum(SessionState, c.state, SessionState.OTHER),
        name=_text(c.name), user=_text(c.user),
        type=_enum(SessionType, c.type, SessionType.OTHER),
        session_class=_enum(SessionClass, c.session_class, SessionClass.OTHER),
        remote=_tri(c.remote), idle_hint=_tri(c.idle_hint),
        logon=_seconds(c.logon_us), idle_since=_seconds(c.idle_since_us),
        disconnected=_seconds(c.disconnect_us), now=_seconds(c.now_us),
        client=_text(c.client), address=_text(c.address), seat=_text(c.seat), tty=_text(c.tty),
        idle=None if idle_ms < 0 else idle_ms / 1000.0,
        idle_text=format_idle(None if idle_ms < 0 else idle_ms / 1000.0),
    )


@dataclass(frozen=True)
class LogoffOutcome:
    """What :meth:`Server.logoff_matching` did to one session."""

    session: SessionDetails
    status: int        #: 0 (OK): logged off, ended by itself, or (dry run) would be
    warn_status: int   #: 0: warned, or no warning asked
    warned: bool
    ended_early: bool  #: its user logged off during the countdown
    message: str       #: why ``status`` is not OK
    warn_message: str  #: why ``warn_status`` is not OK

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def error(self) -> Optional[TerminusError]:
        """The exception for ``status`` (not raised), or None."""
        return None if self.status == OK else _errors.make_error(self.status, 0, self.message)

    @property
    def warn_error(self) -> Optional[TerminusError]:
        """The exception for ``warn_status`` (not raised), or None."""
        if self.warn_status == OK:
            return None
        return _errors.make_error(self.warn_status, 0, self.warn_message)


@dataclass(frozen=True)
class Blocker:
    """One thing that holds a logoff or a shutdown back."""

    what: str  #: "shutdown:sleep" (logind), "shutdown" (Windows)
    who: str
    why: str
    mode: str  #: "block" or "delay"
    uid: Optional[int]
    pid: Optional[int]


def parse_duration(text: str) -> float:
    """A duration as ``logoff /IDLE:`` reads it (``"90m"``, ``"2h"``,
    ``"1h30m"``, ``"2+03:04"``), in seconds; :class:`InvalidArgument` saying
    why when it does not parse."""
    ms = c_uint64(0)
    _check(lib().terminus_duration_parse(_utf8("parse_duration", "text", text), byref(ms)))
    return ms.value / 1000.0


def format_idle(seconds: Optional[float]) -> str:
    """An idle time as ``query user`` writes it: ``"."``, ``"5"``, ``"1:02"``,
    ``"2+03:04"``; ``"none"`` for None (unknown)."""
    buf = create_string_buffer(32)
    ms = -1 if seconds is None else int(max(0.0, float(seconds)) * 1000)
    _check(lib().terminus_idle_format(ms, buf, 32))
    return buf.value.decode("ascii")


def _result(pid: int, r: CResult) -> Result:
    return Result(
        pid=pid,
        status=int(r.status),
        outcome=_enum(Outcome, r.outcome, Outcome.NONE),
        exit_code=None if r.exit_code == EXIT_CODE_UNKNOWN else int(r.exit_code),
        elapsed_us=int(r.elapsed_us),
    )


# --- handles -----------------------------------------------------------------

class _Handle:
    """A C handle with a parent that must outlive it and children that must
    be closed before it. A handle whose children cannot all be closed first
    (a garbage cycle collected in an unknown order) is leaked, never freed
    under them."""

    _handle: Optional[int] = None
    _closed = True

    def __init__(self, parent: Optional["_Handle"]) -> None:
        self._lock = threading.RLock()
        self._parent = parent
        self._children: "weakref.WeakSet[_Handle]" = weakref.WeakSet()
        self._open_children = 0
        self._closed = True

    def _opened(self, handle: Optional[int]) -> None:
        self._handle = handle
        self._closed = False
        if self._parent is not None:
            with self._parent._lock:
                self._parent._children.add(self)
                self._parent._open_children += 1

    def _free(self, handle: Optional[int]) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _h(self) -> Optional[int]:
        if self._closed:
            raise ValueError("{} is closed".format(type(self).__name__))
        return self._handle

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Free the C object (children first). Closing twice does nothing."""
        with self._lock:
            if self._closed:
                return
            children = list(self._children)
        for child in children:
            child.close()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            handle, self._handle = self._handle, None
            # A child we could not reach (being collected in a garbage cycle)
            # still needs us: leak rather than free under it.
            leak = self._open_children > 0
        if leak:
            return
        self._free(handle)
        if self._parent is not None:
            with self._parent._lock:
                self._parent._open_children -= 1

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


class Context(_Handle):
    """A context: the OS that every operation goes through.

    ``Context()`` makes a new context over the native OS;
    ``Context.default()`` is the library's default native context (what the
    module-level functions use); ``terminus.fake.Fake().context()`` gives one
    over a fake OS. Use it as a context manager, or call :meth:`close`.
    A context may be shared between threads.
    """

    _default: Optional["Context"] = None
    _default_lock = threading.Lock()

    def __init__(self) -> None:
        self._setup(None)
        out = c_void_p()
        _check(lib().terminus_ctx_new(byref(out), None))
        self._opened(out.value)

    def _setup(self, parent: Optional[_Handle]) -> None:
        super().__init__(parent)
        self._is_default = False
        self._hooks: List[Any] = []  # CFUNCTYPE objects of at_exit hooks: the library may call them
        self._listeners: "set[Listener]" = set()  # active listeners: kept alive while listening

    @classmethod
    def _over(cls, os_table: int, parent: _Handle) -> "Context":
        """A context over a shim table owned by ``parent`` (a Fake)."""
        self = cls.__new__(cls)
        self._setup(parent)
        out = c_void_p()
        _check(lib().terminus_ctx_new(byref(out), c_void_p(os_table)))
        self._opened(out.value)
        return self

    @classmethod
    def default(cls) -> "Context":
        """The default native context (C: a NULL context). Never freed."""
        if cls._default is None:
            with cls._default_lock:
                if cls._default is None:
                    lib()  # fail early, and clearly, if the library is missing
                    ctx = cls.__new__(cls)
                    ctx._setup(None)
                    ctx._is_default = True
                    ctx._opened(None)
                    cls._default = ctx
        return cls._default

    def _free(self, handle: Optional[int]) -> None:
        if handle is not None:
            lib().terminus_ctx_free(handle)

    def close(self) -> None:
        """Close the listeners and servers made with it, then free it.
        The default context cannot be closed (this does nothing)."""
        if self._is_default:
            return
        super().close()

    def __enter__(self) -> "Context":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- 1. exit ---------------------------------------------------------------

    def at_exit(self, fn: Callable[[], Any]) -> Callable[[], Any]:
        """Register ``fn()`` to run when :meth:`exit` (clean) ends the process.

        Hooks run last registered, first run, once each. Returns ``fn``, so it
        can be used as a decorator. An exception in a hook is printed and
        the next hook runs.
        """
        if not callable(fn):
            raise TypeError("at_exit: fn must be callable")

        def hook(_arg: Any) -> None:
            try:
                fn()
            except BaseException:  # must not cross into C
                traceback.print_exc()

        c_hook = CLEANUP_FN(hook)
        with self._lock:
            handle = self._h()
            self._hooks.append(c_hook)  # kept for the life of the context
        _check(lib().terminus_at_exit(handle, c_hook, None))
        return fn

    def exit(self, code: int = 0, fast: bool = False) -> None:
        """End the calling process with ``code``.

        Clean (``fast=False``): Python's stdout and stderr are flushed, the
        at_exit hooks run, then the OS's clean exit (C ``exit()``,
        ``ExitProcess``). Python's own ``atexit`` handlers and ``finally``
        blocks do NOT run. Fast: nothing runs (``_exit``, ``TerminateProcess``).
        Does not return with a native context; with a fake it records the
        exit and returns.
        """
        code = _u32("exit", "code", code)
        if not fast:
            for stream in (sys.stdout, sys.stderr):
                try:
                    if stream is not None:
                        stream.flush()
                except Exception:
                    pass
        _check(lib().terminus_exit(self._h(), code, _EXIT_FAST if fast else 0))

    # --- 2. terminate ----------------------------------------------------------

    def terminate(self, pid: int, grace: float = 5.0, force: bool = True,
                  message: Optional[str] = None, *, kill_now: bool = False,
                  forced_exit_code: int = 1, steps: Optional[StepsLike] = None,
                  broadcast: bool = False, ctrl_break: bool = False,
                  progress: Optional[Callable[[Progress], Any]] = None,
                  tree: bool = False, job: Optional[int] = None) -> Result:
        """Ask process ``pid`` to leave; kill it if it is still there after
        ``grace`` seconds.

        Args:
            pid: the target.
            grace: seconds the target has to leave after the first request.
            force: ``False`` never kills: a target still running after
                ``grace`` raises :class:`Timeout`, one that no request can
                reach raises :class:`Unreachable` at once (C: NO_FORCE).
            message: the registered message name (Windows), None = default.
            kill_now: skip the requests and kill at once (C: FORCE). With
                ``force=False`` it is an :class:`InvalidArgument`.
            forced_exit_code: the exit code a kill gives, where the OS lets
                the killer choose (Windows).
            steps: the close chain: a :class:`Step`, their bits or several
                steps (``[Step.MESSAGE, Step.SIGHUP]``); None =
                :data:`STEPS_DEFAULT` (Windows: message, close, console;
                Linux: SIGTERM). Each step that can reach the target gets an
                equal share of the grace; the others are skipped at once.
                An empty chain is allowed only with ``kill_now``.
            broadcast: Windows: broadcast the message to every top-level
                window instead of posting it to the listener's (C: BROADCAST).
            ctrl_break: Windows: the console step sends Ctrl+Break instead of
                Ctrl+C (C: CTRL_BREAK).
            progress: called with a :class:`Progress` on the calling thread
                as each step goes out (or is skipped), as the kill goes out
                and as the target ends. Its time comes out of the grace. If
                it raises, it is not called again, the terminate runs to its
                end, and then its exception is raised in place of the result.
            tree: end the target and all its descendants, with one grace for
                all of them (C: TREE): a process is a child only if it
                started after its parent; children forked meanwhile are
                found by scanning again (at most 8 times). The result is the
                tree's: ok when every member ended, else the first failure of
                a member; ``detail.tree_members`` and ``tree_escaped`` count
                them. A target that is the caller or one of its ancestors is
                :class:`Refused`. Needs a backend that lists processes.

        Returns:
            the :class:`Result`: EXITED, FORCED or GONE, with the exit code,
            the time from the first request to the end, and ``detail`` (a
            :class:`Detail`: which step ended it, when each went out).

        Raises:
            TerminusError: a subclass per code (NotFound, AccessDenied,
            Timeout, Unreachable, Refused, Unsupported, InvalidArgument,
            ...); its ``result`` attribute holds the Result (outcome NONE).
        """
        p = _u32("terminate", "pid", pid)
        call = _Call("terminate", 1, grace, force, kill_now, message, forced_exit_code, steps,
                     broadcast, ctrl_break, progress, tree, job)
        r = CResult()
        rc = lib().terminus_terminate(self._h(), p, byref(call.options), byref(r))
        call.reraise()
        result = _result(p, r)
        if rc not in _REJECTED:  # a call rejected as a whole sent nothing
            result.detail = call.detail(0)
        if rc != OK:
            err = _last_error(rc)
            err.result = result
            result.error = err
            raise err
        return result

    def terminate_many(self, pids: Iterable[int], grace: float = 5.0, force: bool = True,
                       message: Optional[str] = None, *, kill_now: bool = False,
                       forced_exit_code: int = 1, steps: Optional[StepsLike] = None,
                       broadcast: bool = False, ctrl_break: bool = False,
                       progress: Optional[Callable[[Progress], Any]] = None,
                       tree: bool = False, job: Optional[int] = None) -> List[Result]:
        """Ask many processes to leave at once, with one shared grace period.

        Takes the arguments of :meth:`terminate` (``progress`` sees every
        target's events; :attr:`Progress.index` says which). Returns one
        :class:`Result` per pid, in order, each with its ``detail``; a target
        that failed has ``ok`` False, its code in ``status`` and an exception
        (not raised) in ``error``.

        Raises only when the call is rejected as a whole and nothing was sent
        to any target: :class:`InvalidArgument` (pid 0, a pid given twice,
        bad options), :class:`Refused` (a protected pid: your own, init) or
        :class:`Unsupported` (this OS backend cannot terminate processes).
        The exception's ``results`` attribute holds the results. An exception
        raised by ``progress`` is raised once the call has ended.
        """
        plist = [_u32("terminate_many", "pid", p) for p in pids]
        n = len(plist)
        call = _Call("terminate_many", n, grace, force, kill_now, message, forced_exit_code,
                     steps, broadcast, ctrl_break, progress, tree, job)
        arr = (c_uint32 * max(n, 1))(*plist)
        res = (CResult * max(n, 1))()
        rc = lib().terminus_terminate_many(self._h(), arr, n, byref(call.options), res)
        call.reraise()
        results = _results("terminate_many", rc, plist, res, call)
        if rc in _REJECTED:
            first = results[0].error if results else _last_error(rc)
            assert first is not None
            first.results = results
            raise first
        return results

    # --- processes by identity (terminus/process.h) ---------------------------

    def process_list(self) -> List["ProcessInfo"]:
        """The processes of this machine: see :func:`terminus.process_list`."""
        from ._process import _on_process_list
        return _on_process_list(self)

    def process_token(self, pid: int) -> str:
        """The identity token of process ``pid``: see :func:`terminus.process_token`."""
        from ._process import _on_process_token
        return _on_process_token(self, pid)

    def terminate_token(self, token: str, grace: float = 5.0, force: bool = True,
                        message: Optional[str] = None, **kw: Any) -> Result:
        """End the process a token names, and only it: see :func:`terminus.terminate_token`."""
        from ._process import _on_terminate_token
        return _on_terminate_token(self, token, grace, force, message, **kw)

    def terminate_name(self, image: str, grace: float = 5.0, force: bool = True,
                       message: Optional[str] = None, **kw: Any) -> List[Result]:
        """End every process of an image name: see :func:`terminus.terminate_name`."""
        from ._process import _on_terminate_name
        return _on_terminate_name(self, image, grace, force, message, **kw)

    def listen(self, callback: Callable[[Reason], Optional[bool]], exit_code: int = 0,
               message: Optional[str] = None) -> "Listener":
        """Opt in to graceful requests: see :class:`Listener`."""
        return Listener(callback, exit_code, message, ctx=self)

    # --- 3. logoff -------------------------------------------------------------

    def logoff(self, force: bool = False, force_if_hung: bool = False) -> None:
        """Log off the user of this process's session (the two flags are exclusive)."""
        flags = (_LOGOFF_FORCE if force else 0) | (_LOGOFF_FORCE_IF_HUNG if force_if_hung else 0)
        _check(lib().terminus_logoff(self._h(), flags))

    # --- 4. sessions -----------------------------------------------------------

    def server(self, name: Optional[str] = None) -> "Server":
        """Open a server (None or "" = this machine): see :class:`Server`."""
        return Server(name, ctx=self)


def _results(fn: str, rc: int, pids: List[int], res: Any, call: "_Call") -> List[Result]:
    """The Results of a call on many targets: one per pid, each with its
    detail (unless the call was rejected as a whole) and, when it failed, its
    exception (the library's record for the first failing one)."""
    first = _last_error(rc) if rc != OK else None
    results = [_result(pids[i], res[i]) for i in range(len(pids))]
    if rc not in _REJECTED:  # a call rejected as a whole sent nothing
        for i, r in enumerate(results):
            r.detail = call.detail(i) if i < call.room else None
    attached = False
    for r in results:
        if r.status == OK:
            continue
        if not attached and first is not None and r.status == rc:
            r.error = first  # the library's detailed record is about this one
            attached = True
        else:
            r.error = _errors.make_error(r.status, 0, "{}(pid {}): {}".format(
                fn, r.pid, strerror(r.status)))
    if first is not None and rc in _REJECTED and not attached and results:
        results[0].error = first
    return results


def _ctx(ctx: Optional[Context]) -> Context:
    return Context.default() if ctx is None else ctx


class Listener(_Handle):
    """The target's side: hear graceful requests (and session ends).

    ``callback(reason)`` runs on the library's listener thread (Linux:
    SIGTERM gives REQUEST, SIGHUP gives LOGOFF). Save your data there, then:

    - return ``None`` or ``True``: terminus exits the process cleanly (the
      at_exit hooks run) with ``exit_code``;
    - return ``False`` (or, as in C, a non-zero int): terminus does nothing
      more; your program exits by itself (or not at all);
    - raise: the traceback is printed and it counts as ``False``.

    Use as a context manager (``with terminus.listen(cb):``) or call
    :meth:`close`. The listener is kept alive until closed, so it may be
    created and forgotten. Do not close it from its own callback.
    """

    def __init__(self, callback: Callable[[Reason], Optional[bool]], exit_code: int = 0,
                 message: Optional[str] = None, *, ctx: Optional[Context] = None) -> None:
        context = _ctx(ctx)
        super().__init__(context)
        if not callable(callback):
            raise TypeError("listen: callback must be callable")
        code = _u32("listen", "exit_code", exit_code)
        msg = _utf8("listen", "message", message)
        self.callback = callback

        def trampoline(_arg: Any, reason: int) -> int:
            try:
                agreed = callback(_enum(Reason, reason, Reason.REQUEST))
            except BaseException:  # must not cross into C
                traceback.print_exc()
                return 1
            # False declines; so does a non-zero int, as in C (0 or None or True: exit)
            declined = agreed is False or (type(agreed) is int and agreed != 0)
            return 1 if declined else 0

        self._fn = REQUEST_FN(trampoline)  # alive as long as this object
        out = c_void_p()
        _check(lib().terminus_listen(context._h(), msg, code, self._fn, None, byref(out)))
        self._opened(out.value)
        with context._lock:
            context._listeners.add(self)

    def _free(self, handle: Optional[int]) -> None:
        if handle is not None:
            lib().terminus_listener_free(handle)
        ctx = self._parent
        if isinstance(ctx, Context):
            with ctx._lock:
                ctx._listeners.discard(self)

    def __enter__(self) -> "Listener":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Server(_Handle):
    """A connection to a server's session manager (a context manager).

    ``Server()`` or ``Server("")`` is this machine; otherwise a host name
    (Windows) or ``[user@]host[:port]`` (Linux, logind over ssh).
    """

    def __init__(self, name: Optional[str] = None, *, ctx: Optional[Context] = None) -> None:
        context = _ctx(ctx)
        super().__init__(context)
        self.name = name or ""
        out = c_void_p()
        _check(lib().terminus_server_open(context._h(), _utf8("Server", "name", name), byref(out)))
        self._opened(out.value)

    def _free(self, handle: Optional[int]) -> None:
        if handle is not None:
            lib().terminus_server_close(handle)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def sessions(self) -> List[SessionInfo]:
        """Every session on the server."""
        out = POINTER(CSessionInfo)()
        count = c_size_t(0)
        _check(lib().terminus_session_list(self._h(), byref(out), byref(count)))
        try:
            return [
                SessionInfo(
                    id=int(out[i].id),
                    state=_enum(SessionState, out[i].state, SessionState.OTHER),
                    name=out[i].name.decode("utf-8", "replace"),
                    user=out[i].user.decode("utf-8", "replace"),
                )
                for i in range(count.value)
            ]
        finally:
            lib().terminus_session_list_free(out)

    def resolve(self, spec: Optional[str] = None) -> int:
        """A session's id, as the ``logoff`` command reads its argument:
        None = the caller's own session; digits = that id; otherwise a session
        name, matched without regard to case. NotFound if none matches."""
        if spec is not None and not isinstance(spec, str):
            spec = str(operator.index(spec))
        out = c_uint32(0)
        _check(lib().terminus_session_resolve(self._h(), _utf8("resolve", "spec", spec), byref(out)))
        return int(out.value)

    def logoff(self, session: Union[int, str, None] = None, wait: bool = True,
               timeout: float = 60.0) -> None:
        """Log a session off.

        Args:
            session: an id, a spec for :meth:`resolve` (a name, "12"), or
                None for the caller's own session.
            wait: return only once the session is gone.
            timeout: with ``wait``, seconds to wait; :class:`Timeout` past it.
        """
        if session is None:
            sid = SESSION_CURRENT
        elif isinstance(session, str):
            sid = self.resolve(session)
        else:
            sid = _u32("logoff", "session", session)
        ms = _ms("logoff", "timeout", timeout) if wait else 0
        _check(lib().terminus_session_logoff(self._h(), sid, _SESSION_WAIT if wait else 0, ms))

    def _sid(self, fn: str, session: Union[int, str, None]) -> int:
        if session is None:
            return SESSION_CURRENT
        if isinstance(session, str):
            return self.resolve(session)
        return _u32(fn, "session", session)

    def details(self) -> List[SessionDetails]:
        """Every session on the server, with its details (times, idle time,
        client, type, seat)."""
        out = POINTER(CSessionDetails)()
        count = c_size_t(0)
        _check(lib().terminus_session_details_list(self._h(), byref(out), byref(count)))
        try:
            return [_details(out[i]) for i in range(count.value)]
        finally:
            lib().terminus_session_details_free(out)

    def message(self, text: str, session: Union[int, str, None] = None,
                title: Optional[str] = None, timeout: float = 0.0) -> None:
        """Show ``text`` to a session's user (Windows: a message box that
        closes after ``timeout`` seconds, 0 = when the user closes it; Linux:
        written to the session's terminal, :class:`Unsupported` for a
        graphical session)."""
        sid = self._sid("message", session)
        _check(lib().terminus_session_message(self._h(), sid, _utf8("message", "title", title),
                                              _utf8("message", "text", text),
                                              _ms("message", "timeout", timeout)))

    def logoff_matching(self, *, session: Union[int, str, None] = None,
                        states: Optional[Iterable[SessionState]] = None,
                        idle: Union[float, str, None] = None, user: Optional[str] = None,
                        wait: bool = False, timeout: float = 60.0,
                        warn: Optional[str] = None, countdown: float = 0.0,
                        title: Optional[str] = None, warned_only: bool = False,
                        dry_run: bool = False) -> List[LogoffOutcome]:
        """Log off every session that matches every criterion given, in one call.

        Args:
            session: only this session (an id or a spec for :meth:`resolve`).
            states: only sessions in one of these states.
            idle: only sessions idle at least this long: seconds, or a
                duration such as ``"90m"`` (:func:`parse_duration`).
            user: only this user's sessions ("alice" or "DOMAIN\\alice").
            wait: wait, within ``timeout`` seconds for all, for them to be gone.
            warn: first show each user this text, then wait ``countdown`` seconds.
            warned_only: log off only the sessions the warning reached.
            dry_run: change nothing; the outcomes say what would be done.

        Returns one outcome per session that matched (never session 0, a
        listener or a login screen, unless named by ``session``); a session
        that failed has ``ok`` False and its ``error``. Raises the
        :class:`TerminusError` of a call that failed before any session was
        acted on: :class:`NotFound` ("no session matched"),
        :class:`InvalidArgument`, a failed listing.
        """
        flt = CSessionFilter(version=_FILTER_VERSION)
        if session is not None:
            flt.flags |= _FILTER_ID
            flt.id = self._sid("logoff_matching", session)
        for st in states or ():
            flt.states |= 1 << int(SessionState(st))
        if idle is not None:
            flt.flags |= _FILTER_IDLE
            seconds = parse_duration(idle) if isinstance(idle, str) else float(idle)
            flt.idle_ms = _ms("logoff_matching", "idle", seconds)
        user_b = _utf8("logoff_matching", "user", user)
        flt.user = user_b
        opts = CSessionLogoffOptions(version=_LOGOFF_OPTIONS_VERSION)
        opts.flags = ((_SESSION_WAIT if wait else 0) | (_SESSION_DRY_RUN if dry_run else 0) |
                      (_SESSION_WARNED_ONLY if warned_only else 0))
        opts.timeout_ms = _ms("logoff_matching", "timeout", timeout) if wait else 0
        opts.countdown_ms = _ms("logoff_matching", "countdown", countdown)
        title_b = _utf8("logoff_matching", "title", title)
        warn_b = _utf8("logoff_matching", "warn", warn)
        opts.title, opts.message = title_b, warn_b
        out = POINTER(CSessionOutcome)()
        count = c_size_t(0)
        rc = lib().terminus_session_logoff_matching(self._h(), byref(flt), byref(opts), byref(out),
                                                   byref(count))
        if count.value == 0:
            _check(rc)
        try:
            return [
                LogoffOutcome(
                    session=_details(out[i].session), status=int(out[i].status),
                    warn_status=int(out[i].warn_status), warned=bool(out[i].warned),
                    ended_early=bool(out[i].ended_early), message=_text(out[i].message),
                    warn_message=_text(out[i].warn_message))
                for i in range(count.value)
            ]
        finally:
            lib().terminus_session_outcomes_free(out)

    def blockers(self, session: Union[int, str, None] = None) -> List[Blocker]:
        """What holds a logoff or a shutdown back (Linux: logind's inhibitors,
        the same for every session; Windows: the reasons the windows of the
        caller's own session give, :class:`Unsupported` for another)."""
        sid = self._sid("blockers", session)
        out = POINTER(CBlocker)()
        count = c_size_t(0)
        _check(lib().terminus_session_blockers(self._h(), sid, byref(out), byref(count)))
        try:
            return [
                Blocker(what=_text(out[i].what), who=_text(out[i].who), why=_text(out[i].why),
                        mode=_text(out[i].mode),
                        uid=None if out[i].uid == BLOCKER_UID_UNKNOWN else int(out[i].uid),
                        pid=int(out[i].pid) or None)
                for i in range(count.value)
            ]
        finally:
            lib().terminus_blockers_free(out)


# --- module-level functions: the default context, or ctx= ---------------------

def terminate(pid: int, grace: float = 5.0, force: bool = True, message: Optional[str] = None,
              *, kill_now: bool = False, forced_exit_code: int = 1,
              steps: Optional[StepsLike] = None, broadcast: bool = False,
              ctrl_break: bool = False, progress: Optional[Callable[[Progress], Any]] = None,
              tree: bool = False, job: Optional[int] = None,
              ctx: Optional[Context] = None) -> Result:
    """:meth:`Context.terminate` on ``ctx`` (default: the native context)."""
    return _ctx(ctx).terminate(pid, grace, force, message, kill_now=kill_now,
                               forced_exit_code=forced_exit_code, steps=steps,
                               broadcast=broadcast, ctrl_break=ctrl_break, progress=progress,
                               tree=tree, job=job)


def terminate_many(pids: Iterable[int], grace: float = 5.0, force: bool = True,
                   message: Optional[str] = None, *, kill_now: bool = False,
                   forced_exit_code: int = 1, steps: Optional[StepsLike] = None,
                   broadcast: bool = False, ctrl_break: bool = False,
                   progress: Optional[Callable[[Progress], Any]] = None,
                   tree: bool = False, job: Optional[int] = None,
                   ctx: Optional[Context] = None) -> List[Result]:
    """:meth:`Context.terminate_many` on ``ctx`` (default: the native context)."""
    return _ctx(ctx).terminate_many(pids, grace, force, message, kill_now=kill_now,
                                    forced_exit_code=forced_exit_code, steps=steps,
                                    broadcast=broadcast, ctrl_break=ctrl_break,
                                    progress=progress, tree=tree, job=job)


def exit(code: int = 0, fast: bool = False, *, ctx: Optional[Context] = None) -> None:
    """:meth:`Context.exit` on ``ctx`` (default: the native context)."""
    _ctx(ctx).exit(code, fast)


def at_exit(fn: Callable[[], Any], *, ctx: Optional[Context] = None) -> Callable[[], Any]:
    """:meth:`Context.at_exit` on ``ctx`` (default: the native context)."""
    return _ctx(ctx).at_exit(fn)


def listen(callback: Callable[[Reason], Optional[bool]], exit_code: int = 0,
           message: Optional[str] = None, *, ctx: Optional[Context] = None) -> Listener:
    """Start a :class:`Listener` on ``ctx`` (default: the native context)."""
    return Listener(callback, exit_code, message, ctx=ctx)


def logoff(force: bool = False, force_if_hung: bool = False, *,
           ctx: Optional[Context] = None) -> None:
    """:meth:`Context.logoff` on ``ctx`` (default: the native context)."""
    _ctx(ctx).logoff(force, force_if_hung)
