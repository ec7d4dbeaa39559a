"""terminus: end things properly, from Python.

Exit the calling process (:func:`exit`, :func:`at_exit`), ask other
processes to leave and kill them only after a grace period
(:func:`terminate`, :func:`terminate_many`), through a close chain of
graceful steps (:class:`Step`) with a report per target (:class:`Detail`)
and a progress callback (:class:`Progress`), opt in to such requests
(:func:`listen`), log off the current user (:func:`logoff`) and log off
sessions on this machine or a server (:class:`Server`).

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
    SessionInfo,
    SessionState,
    Step,
    StepsLike,
    at_exit,
    error_name,
    exit,
    listen,
    logoff,
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
    "at_exit", "exit", "listen", "logoff", "terminate", "terminate_many",
    "error_name", "strerror", "version", "library_path", "error_class",
    "TerminusError", "InvalidArgument", "NotFound", "AccessDenied", "Timeout", "Refused",
    "Unsupported", "Unavailable", "NoMemory", "OSFailure", "Unreachable", "LibraryNotFound",
]
