"""Sessions an administrator acts on, from Python: details and idle times,
the duration parser, a message, the logoff of the sessions that match (with
a warning and a countdown, a dry run) and the blockers, through the fake OS.
The layout of the structs and the constants are checked against the C
headers (tests/ffi/layout.c)."""

import ctypes

import pytest

import terminus
from terminus import SessionClass, SessionState, SessionType, _lib
from terminus.fake import EPOCH, SessionBehaviour

from test_chain import c_layout


@pytest.mark.parametrize("cname, ctype", [
    ("terminus_session_details", _lib.CSessionDetails),
    ("terminus_session_filter", _lib.CSessionFilter),
    ("terminus_session_logoff_options", _lib.CSessionLogoffOptions),
    ("terminus_session_outcome", _lib.CSessionOutcome),
    ("terminus_blocker", _lib.CBlocker),
])
def test_struct_layout_matches_c(cname, ctype):
    layout = c_layout()
    assert ctypes.sizeof(ctype) == layout[cname + " size"]
    for key in [k for k in layout if k.startswith(cname + ".")]:
        member = key[len(cname) + 1:].split()[0]
        assert getattr(ctype, member).offset == layout[key], member


def test_constants_match_c():
    layout = c_layout()
    assert int(SessionType.OTHER) == layout["TERMINUS_SESSION_TYPE_OTHER value"]
    assert int(SessionClass.OTHER) == layout["TERMINUS_SESSION_CLASS_OTHER value"]
    assert terminus._core._SESSION_DRY_RUN == layout["TERMINUS_SESSION_DRY_RUN value"]
    assert terminus._core._SESSION_WARNED_ONLY == layout["TERMINUS_SESSION_WARNED_ONLY value"]
    assert terminus._core._FILTER_IDLE == layout["TERMINUS_FILTER_IDLE value"]
    assert terminus._core._FILTER_ID == layout["TERMINUS_FILTER_ID value"]
    assert int(EPOCH * 1e6) == layout["TERMINUS_FAKE_EPOCH_US value"]


def test_durations():
    assert terminus.parse_duration("90m") == 5400.0
    assert terminus.parse_duration("1h30m") == 5400.0
    assert terminus.parse_duration("2+03:04") == (2 * 1440 + 184) * 60.0
    assert terminus.parse_duration(".") == 0.0
    with pytest.raises(terminus.InvalidArgument, match="unknown unit 'x'"):
        terminus.parse_duration("90x")
    with pytest.raises(terminus.InvalidArgument, match="is empty"):
        terminus.parse_duration("")
    assert terminus.format_idle(None) == "none"
    assert terminus.format_idle(30) == "."
    assert terminus.format_idle(62 * 60) == "1:02"
    assert terminus.format_idle((2 * 1440 + 184) * 60) == "2+03:04"


@pytest.fixture
def srv(fake, ctx):
    fake.add_server("srv")
    fake.add_session(1, "Console", "alice", server="srv")
    fake.add_session(2, "", "bob", SessionState.DISCONNECTED, SessionBehaviour.ENDS, 100,
                     server="srv")
    fake.add_session(3, "RDP-Tcp#3", "DOMAIN\\carol", server="srv")
    fake.add_session(65536, "RDP-Tcp", "", SessionState.LISTEN, server="srv")
    fake.set_details(1, "srv", type=SessionType.CONSOLE, remote=False, idle_hint=False,
                     logon=EPOCH - 86400)
    fake.set_details(2, "srv", type=SessionType.RDP, remote=True, disconnected=EPOCH - 3600,
                     client="laptop-b", address="192.0.2.7")
    fake.set_details(3, "srv", type=SessionType.RDP, remote=True, idle_since=EPOCH - 600)
    with ctx.server("srv") as s:
        yield s


def test_details(fake, srv):
    d = {x.id: x for x in srv.details()}
    assert set(d) == {1, 2, 3, 65536}
    assert d[2].state == SessionState.DISCONNECTED and d[2].user == "bob"
    assert d[2].type == SessionType.RDP and d[2].remote is True
    assert d[2].client == "laptop-b" and d[2].address == "192.0.2.7"
    assert d[2].disconnected == EPOCH - 3600 and d[2].now == EPOCH
    assert d[2].idle == 3600.0 and d[2].idle_text == "1:00"
    assert d[1].idle == 0.0 and d[1].idle_text == "." and d[1].logon == EPOCH - 86400
    assert d[3].idle == 600.0 and d[3].idle_text == "10"
    assert d[65536].idle is None and d[65536].idle_text == "none" and d[65536].remote is None


def test_message(fake, srv):
    srv.message("Save your work.", 2, title="Maintenance", timeout=90)
    assert fake.messages(2, "srv") == (1, "Maintenance: Save your work.")
    fake.refuse_messages(3, terminus.Unsupported, "srv")
    with pytest.raises(terminus.Unsupported):
        srv.message("hello", 3)
    with pytest.raises(terminus.InvalidArgument, match="control character"):
        srv.message("bell\a", 2)


def test_logoff_matching(fake, srv):
    out = srv.logoff_matching(idle="30m", dry_run=True)
    assert [o.session.id for o in out] == [2] and out[0].ok
    assert fake.session_exists(2, "srv")
    out = srv.logoff_matching(user="carol", warn="bye", countdown=60, wait=True, timeout=5)
    assert [o.session.id for o in out] == [3]
    assert out[0].ok and out[0].warned and not out[0].ended_early
    assert fake.messages(3, "srv")[0] == 1
    assert fake.now >= 60.0
    with pytest.raises(terminus.NotFound, match="no session matched"):
        srv.logoff_matching(user="nobody")
    with pytest.raises(terminus.InvalidArgument, match="no criterion"):
        srv.logoff_matching()
    # named by id, the listener is refused: in its outcome
    out = srv.logoff_matching(session=65536)
    assert not out[0].ok and isinstance(out[0].error, terminus.Refused)
    out = srv.logoff_matching(states=[SessionState.DISCONNECTED])
    assert [o.session.id for o in out] == [2]


def test_logoff_matching_failures_in_outcomes(fake, srv):
    fake.add_session(4, "", "bob", SessionState.DISCONNECTED, SessionBehaviour.DENIED,
                     server="srv")
    out = srv.logoff_matching(user="bob")
    assert [o.session.id for o in out] == [2, 4]
    assert out[0].ok
    assert not out[1].ok and isinstance(out[1].error, terminus.AccessDenied)
    assert "access denied" in out[1].message


def test_ended_early(fake, srv):
    fake.end_after(2, 5000, "srv")
    out = srv.logoff_matching(session=2, warn="bye", countdown=60)
    assert out[0].ended_early and out[0].ok
    assert fake.now == pytest.approx(5.0)


def test_blockers(fake, srv):
    assert srv.blockers() == []
    fake.add_blocker("notepad.exe", "Unsaved changes", server="srv", pid=4242)
    fake.add_blocker("backup", "Copying", server="srv", what="shutdown:sleep", uid=1000)
    b = srv.blockers(2)
    assert [x.who for x in b] == ["notepad.exe", "backup"]
    assert b[0].uid is None and b[0].pid == 4242 and b[0].mode == "block"
    assert b[1].uid == 1000 and b[1].pid is None and b[1].what == "shutdown:sleep"
