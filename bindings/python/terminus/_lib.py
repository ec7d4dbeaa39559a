"""Finding and binding the C library (private).

The shared library is looked for, in this order:

1. the path in the environment variable ``TERMINUS_LIBRARY`` (when it is set,
   it is the only place tried: an explicit choice never falls back silently);
2. next to this package: the copy of the library inside ``terminus/`` that a
   wheel built from the repository root carries (``pip install .``, the
   top-level pyproject.toml and bindings/python/meson.build);
3. the system loader, by name: ``libterminus.so.0`` then ``libterminus.so``
   (Linux), ``libterminus-0.dll`` then ``terminus.dll`` (Windows),
   ``libterminus.0.dylib`` then ``libterminus.dylib`` (macOS), then what
   :func:`ctypes.util.find_library` finds.

When none loads, :class:`LibraryNotFound` lists every path tried and why.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char,
    c_char_p,
    c_int,
    c_int32,
    c_int64,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)
import errno
from typing import List, Optional, Tuple

from ._errors import E_UNSUPPORTED, TerminusError

#: The ABI major version (the SOVERSION) these bindings are written for.
SOVERSION = 0


class LibraryNotFound(TerminusError, OSError):
    """The terminus shared library could not be loaded.

    A :class:`TerminusError` (its ``code`` is TERMINUS_E_UNSUPPORTED: without
    the library nothing is) and an :class:`OSError` (``errno`` ENOENT).
    ``tried`` is the list of ``(path, reason)`` pairs, in the order tried.
    """

    ERRNO = errno.ENOENT

    def __init__(self, tried: List[Tuple[str, str]]):
        lines = ["cannot load the terminus library; tried:"]
        lines += ["  {}: {}".format(path, why) for path, why in tried]
        lines.append("set TERMINUS_LIBRARY to the path of libterminus "
                     "(libterminus.so.{0} or libterminus-{0}.dll), or install the package "
                     "with the library inside: pip install . in the terminus source "
                     "tree".format(SOVERSION))
        super().__init__(E_UNSUPPORTED, 0, "\n".join(lines))
        self.tried = tried

    def __reduce__(self):  # type: ignore[override]
        return (self.__class__, (self.tried,))


def _names() -> List[str]:
    if sys.platform == "win32" or sys.platform == "cygwin":
        return ["libterminus-{}.dll".format(SOVERSION), "terminus.dll"]
    if sys.platform == "darwin":
        return ["libterminus.{}.dylib".format(SOVERSION), "libterminus.dylib"]
    return ["libterminus.so.{}".format(SOVERSION), "libterminus.so"]


def _load() -> Tuple[ctypes.CDLL, str]:
    tried: List[Tuple[str, str]] = []
    env = os.environ.get("TERMINUS_LIBRARY")
    if env:
        try:
            return ctypes.CDLL(env), env
        except OSError as e:
            tried.append((env + " (TERMINUS_LIBRARY)", str(e)))
            raise LibraryNotFound(tried) from None
    here = os.path.dirname(os.path.abspath(__file__))
    for name in _names():
        path = os.path.join(here, name)
        if not os.path.exists(path):
            tried.append((path, "no such file"))
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append((path, str(e)))
    for name in _names():
        try:
            return ctypes.CDLL(name), name
        except OSError as e:
            tried.append((name + " (system loader)", str(e)))
    found = ctypes.util.find_library("terminus")
    if found:
        try:
            return ctypes.CDLL(found), found
        except OSError as e:
            tried.append((found + " (ctypes.util.find_library)", str(e)))
    else:
        tried.append(("find_library('terminus')", "nothing found"))
    raise LibraryNotFound(tried)


# --- C types --------------------------------------------------------------

class CError(Structure):
    _fields_ = [("code", c_int), ("os_code", c_int64), ("message", c_char_p)]


class CProgress(Structure):
    """terminus_progress (terminate.h)."""

    _fields_ = [
        ("index", c_size_t),
        ("pid", c_uint32),
        ("event", c_int32),
        ("step", c_uint32),
        ("status", c_int32),
        ("outcome", c_int32),
        ("at_us", c_uint64),
    ]


PROGRESS_FN = CFUNCTYPE(None, c_void_p, POINTER(CProgress))

#: TERMINUS_DETAIL_STEPS: the step slots of a terminus_detail.
DETAIL_STEPS = 8


class CDetail(Structure):
    """terminus_detail (terminate.h)."""

    _fields_ = [
        ("ended_by", c_uint32),
        ("reach", c_uint32),
        ("sent", c_uint32),
        ("skipped", c_uint32),
        ("step_status", c_int32 * DETAIL_STEPS),
        ("step_at_us", c_uint64 * DETAIL_STEPS),
        ("kill_at_us", c_uint64),
        ("tree_members", c_uint32),
        ("tree_escaped", c_uint32),
        ("tree_group", c_uint32),
    ]


class CProcessInfo(Structure):
    """terminus_process_info (process.h)."""

    _fields_ = [
        ("pid", c_uint32),
        ("ppid", c_uint32),
        ("session", c_uint32),
        ("uid", c_uint32),
        ("start", c_uint64),
        ("name", c_char * 256),
    ]


class CNameFilter(Structure):
    """terminus_name_filter (process.h)."""

    _fields_ = [
        ("version", c_uint32),
        ("session", c_uint32),
        ("uid", c_uint32),
        ("reserved", c_uint32),
    ]


class CTerminateOptions(Structure):
    """terminus_terminate_options, version 2 (a version-1 struct ends at ``message``)."""

    _fields_ = [
        ("version", c_uint32),
        ("flags", c_uint32),
        ("grace_ms", c_uint32),
        ("forced_exit_code", c_uint32),
        ("message", c_char_p),
        # version 2
        ("steps", c_uint32),
        ("reserved", c_uint32),
        ("progress", PROGRESS_FN),
        ("progress_arg", c_void_p),
        ("details", POINTER(CDetail)),
        ("details_count", c_size_t),
        ("job", c_void_p),
    ]


class CResult(Structure):
    _fields_ = [
        ("status", c_int32),
        ("outcome", c_int32),
        ("exit_code", c_uint32),
        ("elapsed_us", c_uint64),
    ]


class CSessionInfo(Structure):
    _fields_ = [
        ("id", c_uint32),
        ("state", c_int32),
        ("name", c_char * 64),
        ("user", c_char * 256),
    ]


class CSessionDetails(Structure):
    """terminus_session_details (session.h)."""

    _fields_ = [
        ("id", c_uint32),
        ("state", c_int32),
        ("name", c_char * 64),
        ("user", c_char * 256),
        ("type", c_int32),
        ("session_class", c_int32),
        ("remote", c_int32),
        ("idle_hint", c_int32),
        ("logon_us", c_int64),
        ("idle_since_us", c_int64),
        ("disconnect_us", c_int64),
        ("now_us", c_int64),
        ("client", c_char * 256),
        ("address", c_char * 64),
        ("seat", c_char * 64),
        ("tty", c_char * 64),
    ]


class CSessionFilter(Structure):
    """terminus_session_filter (session.h)."""

    _fields_ = [
        ("version", c_uint32),
        ("flags", c_uint32),
        ("states", c_uint32),
        ("id", c_uint32),
        ("idle_ms", c_uint64),
        ("user", c_char_p),
    ]


class CSessionLogoffOptions(Structure):
    """terminus_session_logoff_options (session.h)."""

    _fields_ = [
        ("version", c_uint32),
        ("flags", c_uint32),
        ("timeout_ms", c_uint32),
        ("countdown_ms", c_uint32),
        ("title", c_char_p),
        ("message", c_char_p),
    ]


class CSessionOutcome(Structure):
    """terminus_session_outcome (session.h)."""

    _fields_ = [
        ("session", CSessionDetails),
        ("status", c_int32),
        ("warn_status", c_int32),
        ("warned", c_int32),
        ("ended_early", c_int32),
        ("message", c_char * 256),
        ("warn_message", c_char * 256),
    ]


class CBlocker(Structure):
    """terminus_blocker (session.h)."""

    _fields_ = [
        ("what", c_char * 64),
        ("who", c_char * 256),
        ("why", c_char * 512),
        ("mode", c_char * 16),
        ("uid", c_uint32),
        ("pid", c_uint32),
    ]


class CFakeProcessInfo(Structure):
    _fields_ = [
        ("running", c_int),
        ("exit_code", c_uint32),
        ("requests", c_uint32),
        ("kills", c_uint32),
        ("ended_us", c_uint64),
    ]


CLEANUP_FN = CFUNCTYPE(None, c_void_p)
REQUEST_FN = CFUNCTYPE(c_int, c_void_p, c_int)

_P = c_void_p  # every opaque handle

_PROTOTYPES = {
    # common.h
    "terminus_ctx_new": (c_int, [POINTER(c_void_p), c_void_p]),
    "terminus_ctx_free": (None, [_P]),
    "terminus_version": (c_char_p, []),
    "terminus_strerror": (c_char_p, [c_int]),
    "terminus_error_name": (c_char_p, [c_int]),
    "terminus_error_last": (POINTER(CError), []),
    "terminus_error_clear": (None, []),
    # exit.h
    "terminus_at_exit": (c_int, [_P, CLEANUP_FN, c_void_p]),
    "terminus_exit": (c_int, [_P, c_uint32, c_uint32]),
    # terminate.h
    "terminus_terminate_options_init": (c_int, [POINTER(CTerminateOptions), c_uint32]),
    "terminus_terminate": (c_int, [_P, c_uint32, POINTER(CTerminateOptions), POINTER(CResult)]),
    "terminus_terminate_many": (c_int, [_P, POINTER(c_uint32), c_size_t,
                                        POINTER(CTerminateOptions), POINTER(CResult)]),
    "terminus_listen": (c_int, [_P, c_char_p, c_uint32, REQUEST_FN, c_void_p, POINTER(c_void_p)]),
    "terminus_listener_free": (None, [_P]),
    # process.h
    "terminus_process_list": (c_int, [_P, POINTER(POINTER(CProcessInfo)), POINTER(c_size_t)]),
    "terminus_process_list_free": (None, [POINTER(CProcessInfo)]),
    "terminus_process_token": (c_int, [_P, c_uint32, c_char_p, c_size_t]),
    "terminus_terminate_token": (c_int, [_P, c_char_p, POINTER(CTerminateOptions),
                                         POINTER(CResult)]),
    "terminus_terminate_name": (c_int, [_P, c_char_p, POINTER(CNameFilter),
                                        POINTER(CTerminateOptions), POINTER(POINTER(c_uint32)),
                                        POINTER(POINTER(CResult)), POINTER(c_size_t)]),
    "terminus_name_results_free": (None, [c_void_p]),
    # logoff.h
    "terminus_logoff": (c_int, [_P, c_uint32]),
    # session.h
    "terminus_server_open": (c_int, [_P, c_char_p, POINTER(c_void_p)]),
    "terminus_server_close": (None, [_P]),
    "terminus_session_list": (c_int, [_P, POINTER(POINTER(CSessionInfo)), POINTER(c_size_t)]),
    "terminus_session_list_free": (None, [POINTER(CSessionInfo)]),
    "terminus_session_resolve": (c_int, [_P, c_char_p, POINTER(c_uint32)]),
    "terminus_session_logoff": (c_int, [_P, c_uint32, c_uint32, c_uint32]),
    "terminus_session_details_list": (c_int, [_P, POINTER(POINTER(CSessionDetails)),
                                              POINTER(c_size_t)]),
    "terminus_session_details_free": (None, [POINTER(CSessionDetails)]),
    "terminus_session_idle_ms": (c_int64, [POINTER(CSessionDetails)]),
    "terminus_duration_parse": (c_int, [c_char_p, POINTER(c_uint64)]),
    "terminus_idle_format": (c_int, [c_int64, c_char_p, c_size_t]),
    "terminus_session_message": (c_int, [_P, c_uint32, c_char_p, c_char_p, c_uint32]),
    "terminus_session_logoff_matching": (c_int, [_P, POINTER(CSessionFilter),
                                                 POINTER(CSessionLogoffOptions),
                                                 POINTER(POINTER(CSessionOutcome)),
                                                 POINTER(c_size_t)]),
    "terminus_session_outcomes_free": (None, [POINTER(CSessionOutcome)]),
    "terminus_session_blockers": (c_int, [_P, c_uint32, POINTER(POINTER(CBlocker)),
                                          POINTER(c_size_t)]),
    "terminus_blockers_free": (None, [POINTER(CBlocker)]),
    # sys/fake.h
    "terminus_fake_new": (c_int, [POINTER(c_void_p)]),
    "terminus_fake_free": (None, [_P]),
    "terminus_fake_os": (c_void_p, [_P]),
    "terminus_fake_now_us": (c_uint64, [_P]),
    "terminus_fake_advance": (c_int, [_P, c_uint64]),
    "terminus_fake_set_self": (c_int, [_P, c_uint32]),
    "terminus_fake_process_add": (c_int, [_P, c_uint32, c_int, c_uint32, c_uint32]),
    "terminus_fake_process_get": (c_int, [_P, c_uint32, POINTER(CFakeProcessInfo)]),
    "terminus_fake_process_set_reach": (c_int, [_P, c_uint32, c_uint32]),
    "terminus_fake_process_exit_on": (c_int, [_P, c_uint32, c_uint32, c_uint32, c_uint32]),
    "terminus_fake_process_deny_step": (c_int, [_P, c_uint32, c_uint32]),
    "terminus_fake_process_step_count": (c_int, [_P, c_uint32, c_uint32, POINTER(c_uint32)]),
    "terminus_fake_process_add_at": (c_int, [_P, c_uint32, c_int, c_uint32, c_uint32, c_uint64]),
    "terminus_fake_process_set_parent": (c_int, [_P, c_uint32, c_uint32]),
    "terminus_fake_process_set_group": (c_int, [_P, c_uint32, c_uint32]),
    "terminus_fake_set_self_group": (c_int, [_P, c_uint32]),
    "terminus_fake_process_set_name": (c_int, [_P, c_uint32, c_char_p]),
    "terminus_fake_process_set_owner": (c_int, [_P, c_uint32, c_uint32, c_uint32]),
    "terminus_fake_process_set_unique": (c_int, [_P, c_uint32, c_uint64]),
    "terminus_fake_process_fork_on": (c_int, [_P, c_uint32, c_uint32, c_uint32, c_uint32, c_int,
                                              c_uint32, c_uint32]),
    "terminus_fake_set_boot_id": (c_int, [_P, c_char_p]),
    "terminus_fake_set_traits": (c_int, [_P, c_uint32]),
    "terminus_fake_server_add": (c_int, [_P, c_char_p, c_int]),
    "terminus_fake_session_add": (c_int, [_P, c_char_p, c_uint32, c_int32, c_char_p, c_char_p,
                                          c_int, c_uint32]),
    "terminus_fake_set_current_session": (c_int, [_P, c_uint32]),
    "terminus_fake_session_exists": (c_int, [_P, c_char_p, c_uint32]),
    "terminus_fake_session_set_details": (c_int, [_P, c_char_p, c_uint32,
                                                  POINTER(CSessionDetails)]),
    "terminus_fake_session_end_after": (c_int, [_P, c_char_p, c_uint32, c_uint32]),
    "terminus_fake_session_set_message": (c_int, [_P, c_char_p, c_uint32, c_int]),
    "terminus_fake_session_messages": (c_uint32, [_P, c_char_p, c_uint32, c_char_p, c_size_t]),
    "terminus_fake_blocker_add": (c_int, [_P, c_char_p, POINTER(CBlocker)]),
    "terminus_fake_fail": (c_int, [_P, c_char_p, c_uint32, c_int, c_int, c_int64]),
    "terminus_fake_fail_clear": (None, [_P]),
    "terminus_fake_set_latency": (c_int, [_P, c_char_p, c_uint32]),
    "terminus_fake_faults_fired": (c_uint32, [_P]),
    "terminus_fake_call_count": (c_size_t, [_P, c_char_p]),
    "terminus_fake_call": (c_int, [_P, c_size_t, c_char_p, c_size_t]),
    "terminus_fake_calls_clear": (None, [_P]),
    "terminus_fake_open_handles": (c_size_t, [_P]),
    "terminus_fake_deliver": (c_int, [_P, c_int]),
    "terminus_fake_exits": (c_uint32, [_P, POINTER(c_uint32), POINTER(c_int)]),
    "terminus_fake_logoffs": (c_uint32, [_P, POINTER(c_uint32)]),
}

_lock = threading.Lock()
_dll: Optional[ctypes.CDLL] = None
_path: Optional[str] = None


def lib() -> ctypes.CDLL:
    """The loaded library, with every prototype set (loaded on first use)."""
    global _dll, _path
    if _dll is not None:
        return _dll
    with _lock:
        if _dll is None:
            dll, path = _load()
            for name, (restype, argtypes) in _PROTOTYPES.items():
                fn = getattr(dll, name)
                fn.restype = restype
                fn.argtypes = argtypes
            _path = path
            _dll = dll
    return _dll


def path() -> str:
    """Where the library was loaded from (loads it if needed)."""
    lib()
    assert _path is not None
    return _path
