"""Exceptions: one class per TERMINUS_E_* code (private module; import from terminus)."""

from __future__ import annotations

from typing import Any, Dict, Optional, Type

OK = 0
E_INVALID = -1
E_NOT_FOUND = -2
E_ACCESS_DENIED = -3
E_TIMEOUT = -4
E_REFUSED = -5
E_UNSUPPORTED = -6
E_UNAVAILABLE = -7
E_NO_MEMORY = -8
E_OS = -9
E_UNREACHABLE = -10


class TerminusError(Exception):
    """A call into terminus failed.

    Attributes:
        code: the ``TERMINUS_E_*`` number (negative, the same on every platform).
        os_code: the native error number (``errno``, ``GetLastError``), or 0.
        message: what failed and why, as the library says it.
        result: for :func:`terminus.terminate`, the :class:`terminus.Result` of
            the target (its outcome is ``NONE``); otherwise ``None``.
        results: for :func:`terminus.terminate_many`, the list of results;
            otherwise ``None``.
    """

    #: The code this class stands for (the base class has none).
    CODE: Optional[int] = None

    def __init__(self, code: int, os_code: int = 0, message: str = ""):
        super().__init__(code, os_code, message)
        self.code = code
        self.os_code = os_code
        self.message = message
        self.result: Any = None
        self.results: Any = None

    def __str__(self) -> str:
        text = self.message or "terminus error {}".format(self.code)
        if self.os_code:
            return "{} [os error {}]".format(text, self.os_code)
        return text


class InvalidArgument(TerminusError, ValueError):
    """TERMINUS_E_INVALID: a bad argument (pid 0, unknown flags, a bad string, ...)."""

    CODE = E_INVALID


class NotFound(TerminusError):
    """TERMINUS_E_NOT_FOUND: no such process, session or server."""

    CODE = E_NOT_FOUND


class AccessDenied(TerminusError):
    """TERMINUS_E_ACCESS_DENIED: the caller lacks the right to do this."""

    CODE = E_ACCESS_DENIED


class Timeout(TerminusError):
    """TERMINUS_E_TIMEOUT: the time allowed ran out."""

    CODE = E_TIMEOUT


class Refused(TerminusError):
    """TERMINUS_E_REFUSED: vetoed, or a protected target (your own pid, init, session 0)."""

    CODE = E_REFUSED


class Unsupported(TerminusError):
    """TERMINUS_E_UNSUPPORTED: not available on this platform or backend."""

    CODE = E_UNSUPPORTED


class Unavailable(TerminusError):
    """TERMINUS_E_UNAVAILABLE: the server or bus cannot be reached."""

    CODE = E_UNAVAILABLE


class NoMemory(TerminusError):
    """TERMINUS_E_NO_MEMORY: out of memory."""

    CODE = E_NO_MEMORY


class OSFailure(TerminusError):
    """TERMINUS_E_OS: any other OS failure (see ``os_code``)."""

    CODE = E_OS


class Unreachable(TerminusError):
    """TERMINUS_E_UNREACHABLE: no graceful request can reach the target (no
    listener, no window, no console, another session), with ``force=False``;
    also a step's status in :class:`terminus.Detail` and :class:`terminus.Progress`."""

    CODE = E_UNREACHABLE


ERROR_CLASSES: Dict[int, Type[TerminusError]] = {
    cls.CODE: cls  # type: ignore[misc]
    for cls in (InvalidArgument, NotFound, AccessDenied, Timeout, Refused, Unsupported,
                Unavailable, NoMemory, OSFailure, Unreachable)
}


def error_class(code: int) -> Type[TerminusError]:
    """The exception class for a code (:class:`TerminusError` for an unknown one)."""
    return ERROR_CLASSES.get(code, TerminusError)


def make_error(code: int, os_code: int = 0, message: str = "") -> TerminusError:
    """An exception instance for a code."""
    return error_class(code)(code, os_code, message)
