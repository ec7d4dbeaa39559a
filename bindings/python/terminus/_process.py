"""Processes by identity (private module; import from terminus): the listing,
identity tokens, targets by image name (terminus/process.h)."""

from __future__ import annotations

from ctypes import POINTER, byref, c_size_t, c_uint32, create_string_buffer
from dataclasses import dataclass
from typing import Any, Callable, List, Optional

from ._core import (
    _REJECTED,
    Context,
    Progress,
    Result,
    StepsLike,
    _Call,
    _check,
    _last_error,
    _result,
    _results,
    _u32,
    _utf8,
)
from ._errors import OK
from ._lib import CNameFilter, CProcessInfo, CResult, lib

#: The longest identity token, with its terminating NUL (TERMINUS_TOKEN_MAX).
TOKEN_MAX = 96
#: ProcessInfo.session's C value for "in no session" (TERMINUS_SESSION_NONE).
SESSION_NONE = 0xFFFFFFFF
#: ProcessInfo.uid's C value for "not known" (TERMINUS_UID_UNKNOWN).
UID_UNKNOWN = 0xFFFFFFFF

# How many of terminate_name's matches get a Detail: how many will match is
# not known before the call (the others have detail None).
_NAME_DETAILS = 1024
_NAME_FILTER_VERSION = 1


@dataclass(frozen=True)
class ProcessInfo:
    """One process, as :func:`process_list` sees it (terminus_process_info)."""

    pid: int
    #: its parent's pid as the OS records it (0 if none): only meaningful
    #: with ``start`` (a link may point at a pid that was reused)
    ppid: int
    #: its session (Windows: the session id; Linux: terminus's id of its
    #: logind session), None when it is in none
    session: Optional[int]
    #: its owner's user id (Linux), None when unknown (Windows)
    uid: Optional[int]
    #: when it started, comparable between processes of this boot (Linux:
    #: clock ticks since boot; Windows: FILETIME; a fake: its virtual µs)
    start: int
    #: its image name ("notepad.exe", "sleep")
    name: str


def _on_process_list(ctx: Context) -> List[ProcessInfo]:
    out = POINTER(CProcessInfo)()
    count = c_size_t(0)
    _check(lib().terminus_process_list(ctx._h(), byref(out), byref(count)))
    try:
        return [
            ProcessInfo(
                pid=int(out[i].pid),
                ppid=int(out[i].ppid),
                session=None if out[i].session == SESSION_NONE else int(out[i].session),
                uid=None if out[i].uid == UID_UNKNOWN else int(out[i].uid),
                start=int(out[i].start),
                name=out[i].name.decode("utf-8", "replace"),
            )
            for i in range(count.value)
        ]
    finally:
        lib().terminus_process_list_free(out)


def _on_process_token(ctx: Context, pid: int) -> str:
    buf = create_string_buffer(TOKEN_MAX)
    _check(lib().terminus_process_token(ctx._h(), _u32("process_token", "pid", pid), buf,
                                        TOKEN_MAX))
    return buf.value.decode("ascii")


def _token_pid(token: str) -> int:
    """The pid a well-formed token names (0 if it does not read)."""
    parts = token.split(".")
    return int(parts[2]) if len(parts) == 5 and parts[2].isdigit() else 0


def _on_terminate_token(ctx: Context, token: str, grace: float = 5.0, force: bool = True,
                    message: Optional[str] = None, *, kill_now: bool = False,
                    forced_exit_code: int = 1, steps: Optional[StepsLike] = None,
                    broadcast: bool = False, ctrl_break: bool = False,
                    progress: Optional[Callable[[Progress], Any]] = None,
                    tree: bool = False, job: Optional[int] = None) -> Result:
    if not isinstance(token, str):
        raise TypeError("terminate_token: token must be a str, not {}".format(
            type(token).__name__))
    raw = _utf8("terminate_token", "token", token)
    call = _Call("terminate_token", 1, grace, force, kill_now, message, forced_exit_code, steps,
                 broadcast, ctrl_break, progress, tree, job)
    r = CResult()
    rc = lib().terminus_terminate_token(ctx._h(), raw, byref(call.options), byref(r))
    call.reraise()
    result = _result(_token_pid(token), r)
    if rc not in _REJECTED:  # a call rejected as a whole sent nothing
        result.detail = call.detail(0)
    if rc != OK:
        err = _last_error(rc)
        err.result = result
        result.error = err
        raise err
    return result


def _on_terminate_name(ctx: Context, image: str, grace: float = 5.0, force: bool = True,
                   message: Optional[str] = None, *, session: Optional[int] = None,
                   uid: Optional[int] = None, kill_now: bool = False,
                   forced_exit_code: int = 1, steps: Optional[StepsLike] = None,
                   broadcast: bool = False, ctrl_break: bool = False,
                   progress: Optional[Callable[[Progress], Any]] = None,
                   tree: bool = False, job: Optional[int] = None) -> List[Result]:
    if not isinstance(image, str):
        raise TypeError("terminate_name: image must be a str, not {}".format(
            type(image).__name__))
    raw = _utf8("terminate_name", "image", image)
    flt = CNameFilter(_NAME_FILTER_VERSION,
                      SESSION_NONE if session is None else _u32("terminate_name", "session",
                                                                session),
                      UID_UNKNOWN if uid is None else _u32("terminate_name", "uid", uid), 0)
    call = _Call("terminate_name", _NAME_DETAILS, grace, force, kill_now, message,
                 forced_exit_code, steps, broadcast, ctrl_break, progress, tree, job)
    pids = POINTER(c_uint32)()
    res = POINTER(CResult)()
    count = c_size_t(0)
    rc = lib().terminus_terminate_name(ctx._h(), raw, byref(flt), byref(call.options),
                                       byref(pids), byref(res), byref(count))
    call.reraise()
    n = count.value
    if n == 0:  # nothing matched, or the call was rejected: nothing was sent
        _check(rc)
        return []
    try:
        plist = [int(pids[i]) for i in range(n)]
        results = _results("terminate_name", rc, plist, res, call)
    finally:
        lib().terminus_name_results_free(pids)
        lib().terminus_name_results_free(res)
    return results


# --- module-level functions: the default context, or ctx= ---------------------

def _ctx(ctx: Optional[Context]) -> Context:
    return Context.default() if ctx is None else ctx


def process_list(*, ctx: Optional[Context] = None) -> List[ProcessInfo]:
    """Every process of this machine, as a snapshot (processes start and end
    while it is taken). Raises :class:`Unsupported` where the backend cannot
    list processes."""
    return _on_process_list(_ctx(ctx))


def process_token(pid: int, *, ctx: Optional[Context] = None) -> str:
    """The identity token of a running process: a short string that names
    that process and no other during this boot
    (``"t1.<boot>.<pid>.<start>.<unique>"``). Keep it (a pidfile) and end
    exactly that process later with :func:`terminate_token`. Raises
    :class:`NotFound` if there is no such process."""
    return _on_process_token(_ctx(ctx), pid)


def terminate_token(token: str, grace: float = 5.0, force: bool = True,
                       message: Optional[str] = None, *, ctx: Optional[Context] = None,
                       **kw: Any) -> Result:
    """End the process a token names, and only that process.

    Takes the arguments of :func:`terminate` (``tree=True`` ends its tree).
    The token's pid is opened and its identity compared with the token's
    before anything is sent: a process that is gone, or another process that
    has the pid now, or a token of another boot, raises :class:`NotFound`
    and nothing is signalled. A token that does not read raises
    :class:`InvalidArgument` saying why. Returns the :class:`Result`
    (its ``pid`` is the token's)."""
    return _on_terminate_token(_ctx(ctx), token, grace, force, message, **kw)


def terminate_name(image: str, grace: float = 5.0, force: bool = True,
                      message: Optional[str] = None, *, ctx: Optional[Context] = None,
                      **kw: Any) -> List[Result]:
    """End every process whose image name is ``image``, with one shared grace.

    Takes the arguments of :func:`terminate_many`, and ``session=`` and
    ``uid=`` to end only the processes of that session or user. The name is
    compared exactly on Linux and without regard to ASCII case on Windows;
    never the caller, never the system's first process (nor, with
    ``tree=True``, the caller's ancestors). Each match is held by its
    identity: one that has ended by the time it is opened (or whose pid now
    names another process) is GONE, and the other process is never
    signalled. Returns one :class:`Result` per match, in the order of their
    pids (each with its ``detail``, for up to 1024 of them). Raises
    :class:`NotFound` when nothing matches, and, as :func:`terminate_many`,
    when the call is rejected as a whole."""
    return _on_terminate_name(_ctx(ctx), image, grace, force, message, **kw)
