"""terminus: end things properly, from Python.

Exit the calling process (:func:`exit`, :func:`at_exit`), ask other
processes to leave and kill them only after a grace period
(:func:`terminate`, :func:`terminate_many`), through a close chain of
graceful steps (:class:`Step`) with a report per target (:class:`Detail`)
and a progress callback (:class:`Progress`), opt in to such requests
(:func:`listen`), log off the current user (:func:`logoff`) and log off
sessions on this machine or a server (:class:`Server`): one, or every one
that matches a state, an idle time or a user, after a warning
(:meth:`Server.logoff_matching`), with their details
(:meth:`Server.details`) and what blocks a logoff (:meth:`Server.blockers`).

Every failure raises a subclass of :class:`TerminusError`, one per C error
code. The module-level functions use the default native context; each takes
``ctx=`` to run against another, such as ``terminus.fake.Fake().context()``
(see :mod:`terminus.fake`, the fake OS for your own tests).

The C library is found through ``TERMINUS_LIBRARY``, then next to this
package, then the system loader (``libterminus.so.0``, ``libterminus-0.dll``).
"""

from ._core import (
    DEFAULT_MESSAGE,
    EXIT_CODE_UNKNOWN,
    KILL_WAIT,
    SESSION_CURRENT,
    STEPS_ALL,
    STEPS_DEFAULT,
    Context,
    Detail,
    EndedBy,
    Listener,
    Outcome,
    Progress,
    ProgressEvent,
    Reason,
    Result,
    Server,
    Blocker,
    LogoffOutcome,
    SessionClass,
    SessionDetails,
    SessionInfo,
    SessionState,
    SessionType,
    Step,
    StepsLike,
    at_exit,
    error_name,
    exit,
    format_idle,
    listen,
    logoff,
    parse_duration,
    strerror,
    terminate,
    terminate_many,
    version,
)
from ._errors import (
    AccessDenied,
    InvalidArgument,
    NoMemory,
    NotFound,
    OSFailure,
    Refused,
    TerminusError,
    Timeout,
    Unavailable,
    Unreachable,
    Unsupported,
    error_class,
)
from ._lib import LibraryNotFound
from ._lib import path as library_path

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_MESSAGE", "EXIT_CODE_UNKNOWN", "KILL_WAIT", "SESSION_CURRENT",
    "STEPS_ALL", "STEPS_DEFAULT", "Step", "StepsLike", "EndedBy", "Detail", "Progress",
    "ProgressEvent",
    "Context", "Listener", "Outcome", "Reason", "Result", "Server", "SessionInfo", "SessionState",
    "SessionDetails", "SessionType", "SessionClass", "LogoffOutcome", "Blocker",
    "parse_duration", "format_idle",
    "at_exit", "exit", "listen", "logoff", "terminate", "terminate_many",
    "error_name", "strerror", "version", "library_path", "error_class",
    "TerminusError", "InvalidArgument", "NotFound", "AccessDenied", "Timeout", "Refused",
    "Unsupported", "Unavailable", "NoMemory", "OSFailure", "Unreachable", "LibraryNotFound",
]


def _real_docstrings() -> None:
    """Give each module-level function the docstring of what it runs.

    The module-level functions of _core run a :class:`Context` method on
    ``ctx`` (or start a :class:`Listener`) and say so in one line;
    ``help(terminus.terminate)`` should show what the call does, its
    arguments, return value and exceptions. Each takes its method's
    docstring (the class's for ``listen``), with ``ctx`` added to the
    arguments.
    """
    import inspect
    import re

    from . import _core

    ctx_line = "ctx: the :class:`Context` to run on; None (the default) is the native context."
    for name in __all__:
        fn = globals().get(name)
        doc = getattr(fn, "__doc__", None)
        if not inspect.isfunction(fn) or not doc:
            continue
        method = re.match(r":meth:`Context\.(\w+)` on ``ctx``", doc)
        if method is not None:
            source = getattr(_core.Context, method.group(1), None)
        elif doc.startswith("Start a :class:`Listener`"):
            source = _core.Listener
        else:
            continue
        text = inspect.getdoc(source) if source is not None else None
        if not text:
            continue
        head, sep, rest = text.partition("\nArgs:\n")
        if sep:
            # the end of the Args block: the first line that is not indented
            lines = rest.split("\n")
            end = next((i for i, line in enumerate(lines) if line and not line[0].isspace()),
                       len(lines))
            while end > 0 and not lines[end - 1].strip():
                end -= 1
            lines.insert(end, "    " + ctx_line)
            text = head + sep + "\n".join(lines)
        else:
            text += "\n\nArgs:\n    " + ctx_line
        fn.__doc__ = text


_real_docstrings()
