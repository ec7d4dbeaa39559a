'''A stricter systemd-logind mock for the terminus tests.

Loads python3-dbusmock's stock "logind" template and fixes what the tests
rely on (python3-dbusmock 0.28 as Debian 12 ships it):
- GetSession of an unknown id raises org.freedesktop.login1.NoSuchSession
  (the stock one makes up a path, or dies on ids that are not valid path
  elements);
- TerminateSession of an unknown id raises NoSuchSession; of a known one it
  removes the session object and emits SessionRemoved(s id, o path), as
  logind does;
- GetSessionByPID raises NoSuchSessionForPID (no process is in a mock session).

Session ids are whatever AddSession is given, as long as it is an object path
element ([A-Za-z0-9_]): "c1", "2147483648", "01", "0" and the pair whose
terminus ids collide ("x58975", "x329405") are all valid; ListSessions lists
them in the order they were added (tests/integration/posix/test_logind.c
relies on both).

Sessions carry the properties terminus reads for their details (the stock
AddSession makes them all): Timestamp, IdleHint, IdleSinceHint, Remote,
RemoteHost, Type, Class, TTY and Seat. AddSession here sets Timestamp (and
TimestampMonotonic) to the time it is called, as logind does at a logon; a
test changes any of them with the Mock interface's UpdateProperties on the
session's object (/org/freedesktop/login1/session/ID, interface
org.freedesktop.login1.Session), which also emits PropertiesChanged.
ListInhibitors lists what AddInhibitor adds (and the stock Inhibit).

Test controls, on the mock interface (org.freedesktop.DBus.Mock):
- DenyTerminate(s id): TerminateSession(id) raises
  org.freedesktop.DBus.Error.AccessDenied;
- KeepOnTerminate(s id): TerminateSession(id) succeeds but the session stays
  (a session that never goes away);
- SetRemoveDelay(u ms): sessions are removed (and SessionRemoved emitted) that
  long after TerminateSession returns, as logind does once the session's
  processes are gone;
- AddInhibitor(s what, s who, s why, s mode, u uid, u pid): ListInhibitors
  lists it (no file descriptor is held: it stays until ClearInhibitors);
- ClearInhibitors(): ListInhibitors lists none.

Usage: python3 -m dbusmock --system --template tests/integration/posix/logind_template.py
'''

import dbus
from gi.repository import GLib

from dbusmock import MOCK_IFACE, mockobject
from dbusmock.templates import logind as _stock
# The stock template's D-Bus methods (ListSessions, AddSession, ...): dbusmock
# picks the decorated functions out of this module's namespace.
from dbusmock.templates.logind import (  # noqa: F401 pylint: disable=unused-import
    ListUsers, ListSessions, Inhibit, ListInhibitors, AddSeat, AddUser)
import time

BUS_NAME = _stock.BUS_NAME
MAIN_OBJ = _stock.MAIN_OBJ
MAIN_IFACE = _stock.MAIN_IFACE
SYSTEM_BUS = True

SESSION_IFACE = 'org.freedesktop.login1.Session'
NO_SUCH_SESSION = 'org.freedesktop.login1.NoSuchSession'


def _find(session_id):
    '''The object path of a session by its logind id, or None.'''
    for path, obj in list(mockobject.objects.items()):
        if '/session/' not in path:
            continue
        try:
            if str(obj.Get(SESSION_IFACE, 'Id')) == session_id:
                return path
        except dbus.exceptions.DBusException:
            continue
    return None


def _no_such(session_id):
    return dbus.exceptions.DBusException(f'No session "{session_id}" known', name=NO_SUCH_SESSION)


def _get_session(self, session_id):
    # pylint: disable=unused-argument
    path = _find(str(session_id))
    if path is None:
        raise _no_such(session_id)
    return dbus.ObjectPath(path)


def _remove(self, session_id, path):
    if path not in mockobject.objects:
        return False
    obj = mockobject.objects[path]
    for key, iface in (('Seat', 'org.freedesktop.login1.Seat'), ('User', 'org.freedesktop.login1.User')):
        try:
            owner_path = obj.Get(SESSION_IFACE, key)[1]
            owner = mockobject.objects.get(owner_path)
            if owner is not None:
                left = [s for s in owner.Get(iface, 'Sessions') if str(s[0]) != session_id]
                owner.Set(iface, 'Sessions', dbus.Array(left, signature='(so)'))
        except (dbus.exceptions.DBusException, KeyError, IndexError):
            pass
    self.RemoveObject(path)
    self.EmitSignal(MAIN_IFACE, 'SessionRemoved', 'so', [session_id, dbus.ObjectPath(path)])
    return False  # a GLib timeout: run once


def _terminate_session(self, session_id):
    session_id = str(session_id)
    path = _find(session_id)
    if path is None:
        raise _no_such(session_id)
    if session_id in self.terminus_deny:
        raise dbus.exceptions.DBusException('Access denied (mock)',
                                            name='org.freedesktop.DBus.Error.AccessDenied')
    if session_id in self.terminus_keep:
        return
    if self.terminus_delay_ms > 0:
        GLib.timeout_add(self.terminus_delay_ms, _remove, self, session_id, path)
    else:
        _remove(self, session_id, path)


def _get_session_by_pid(self, pid):
    # pylint: disable=unused-argument
    raise dbus.exceptions.DBusException(f'PID {int(pid)} does not belong to any known session',
                                        name='org.freedesktop.login1.NoSuchSessionForPID')


@dbus.service.method(MOCK_IFACE, in_signature='ssusb', out_signature='s')
def AddSession(self, session_id, seat, uid, username, active):
    '''The stock AddSession, with the logon time set to now (microseconds of
    CLOCK_REALTIME and CLOCK_MONOTONIC, as logind's Timestamp and
    TimestampMonotonic).'''
    path = _stock.AddSession(self, session_id, seat, uid, username, active)
    mockobject.objects[path].UpdateProperties(SESSION_IFACE, {
        'Timestamp': dbus.UInt64(int(time.time() * 1000000)),
        'TimestampMonotonic': dbus.UInt64(int(time.monotonic() * 1000000)),
    })
    return path


def _add_inhibitor(self, what, who, why, mode, uid, pid):
    # pylint: disable=unused-argument
    if not hasattr(mockobject, 'inhibitors'):
        mockobject.inhibitors = []
    mockobject.inhibitors.append((str(what), str(who), str(why), str(mode), dbus.UInt32(uid),
                                  dbus.UInt32(pid)))


def _clear_inhibitors(self):
    # pylint: disable=unused-argument
    mockobject.inhibitors = []


def load(mock, parameters):
    '''Load the stock template, then the fixes.'''
    _stock.load(mock, parameters)
    mock.terminus_deny = set()
    mock.terminus_keep = set()
    mock.terminus_delay_ms = 0
    mock.AddMethods(MAIN_IFACE, [
        ('GetSession', 's', 'o', _get_session),
        ('TerminateSession', 's', '', _terminate_session),
        ('GetSessionByPID', 'u', 'o', _get_session_by_pid),
    ])
    mock.AddMethods(MOCK_IFACE, [
        ('DenyTerminate', 's', '', lambda self, sid: self.terminus_deny.add(str(sid))),
        ('KeepOnTerminate', 's', '', lambda self, sid: self.terminus_keep.add(str(sid))),
        ('SetRemoveDelay', 'u', '', lambda self, ms: setattr(self, 'terminus_delay_ms', int(ms))),
        ('AddInhibitor', 'ssssuu', '', _add_inhibitor),
        ('ClearInhibitors', '', '', _clear_inhibitors),
    ])
