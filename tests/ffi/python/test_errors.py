"""Typed exceptions for bad input, on the native context and on the fake."""

import os
import sys

import pytest

import terminus


def test_library_loaded():
    assert terminus.version().count(".") == 2
    assert os.path.exists(terminus.library_path()) or terminus.library_path()


def test_one_class_per_code():
    names = {
        -1: terminus.InvalidArgument, -2: terminus.NotFound, -3: terminus.AccessDenied,
        -4: terminus.Timeout, -5: terminus.Refused, -6: terminus.Unsupported,
        -7: terminus.Unavailable, -8: terminus.NoMemory, -9: terminus.OSFailure,
    }
    for code, cls in names.items():
        assert terminus.error_class(code) is cls
        assert cls.CODE == code
        assert issubclass(cls, terminus.TerminusError)
        assert terminus.error_name(code).startswith("TERMINUS_E_")
        assert terminus.strerror(code)
    assert terminus.error_class(-100) is terminus.TerminusError
    assert issubclass(terminus.InvalidArgument, ValueError)


def test_pid_0_is_invalid_native():
    with pytest.raises(terminus.InvalidArgument) as info:
        terminus.terminate(0)
    e = info.value
    assert e.code == -1
    assert "pid 0" in e.message
    assert e.result.outcome == terminus.Outcome.NONE


def test_pid_above_int32_is_invalid_native():
    with pytest.raises(terminus.InvalidArgument):
        terminus.terminate(2**31)


def test_pid_out_of_range_is_invalid_in_python():
    with pytest.raises(terminus.InvalidArgument):
        terminus.terminate(-1)
    with pytest.raises(terminus.InvalidArgument):
        terminus.terminate(2**32)
    with pytest.raises(TypeError):
        terminus.terminate("12")


def test_own_pid_is_refused_native():
    try:
        terminus.terminate(os.getpid())
    except terminus.Unsupported as e:
        if sys.platform.startswith("linux"):  # Linux has a native backend
            pytest.fail("the native backend must refuse the caller's own pid: {}".format(e))
        pytest.skip("the native backend cannot terminate processes here: {}".format(e))
    except terminus.Refused as e:
        assert e.code == -5
    else:
        pytest.fail("terminate(own pid) returned")


def test_own_pid_and_system_pid_refused_fake(fake, ctx):
    with pytest.raises(terminus.Refused):
        terminus.terminate(1000, ctx=ctx)
    with pytest.raises(terminus.Refused):
        ctx.terminate(1)
    fake.set_self(4242)
    with pytest.raises(terminus.Refused):
        ctx.terminate(4242)
    assert fake.call_count() == 0  # validation happens before any OS call


def test_bad_options(fake, ctx):
    fake.add_process(42)
    with pytest.raises(terminus.InvalidArgument):
        ctx.terminate(42, force=False, kill_now=True)
    with pytest.raises(terminus.InvalidArgument):
        ctx.terminate(42, message="")
    with pytest.raises(terminus.InvalidArgument):
        ctx.terminate(42, message="x" * 256)
    with pytest.raises(terminus.InvalidArgument):
        ctx.terminate(42, message="bad\nname")
    with pytest.raises(terminus.InvalidArgument):
        ctx.terminate(42, grace=-1)
    assert fake.call_count() == 0
    assert fake.process(42).requests == 0


def test_terminate_many_raises_only_for_the_whole_call(fake, ctx):
    fake.add_process(42)
    with pytest.raises(terminus.InvalidArgument) as info:
        ctx.terminate_many([42, 42])
    assert [r.status for r in info.value.results] == [-1, -1]
    with pytest.raises(terminus.InvalidArgument):
        ctx.terminate_many([42, 0])
    with pytest.raises(terminus.Refused):
        ctx.terminate_many([42, 1000])
    assert fake.call_count() == 0
    assert ctx.terminate_many([]) == []


def test_exit_and_logoff_flags(ctx):
    with pytest.raises(terminus.InvalidArgument):
        ctx.logoff(force=True, force_if_hung=True)
    with pytest.raises(terminus.InvalidArgument):
        ctx.exit(-1)


def test_server_names(ctx):
    with pytest.raises(terminus.InvalidArgument):
        ctx.server("has space")
    with pytest.raises(terminus.NotFound):
        ctx.server("nosuchhost")


def test_closed_objects(fake):
    c = fake.context()
    c.close()
    c.close()
    with pytest.raises(ValueError):
        c.terminate(42)


def test_native_default_context_unsupported_or_works():
    # With the unsupported native backend every operation says so, clearly.
    try:
        with terminus.Server() as s:
            s.sessions()
    except terminus.TerminusError as e:
        assert e.message
