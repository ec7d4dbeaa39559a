"""pytest setup for the terminus Python bindings: import the package from
bindings/python of this source tree (tests/ffi/run-python.py also sets
PYTHONPATH and TERMINUS_LIBRARY to the built library)."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
BINDINGS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "bindings", "python"))
if BINDINGS not in sys.path:
    sys.path.insert(0, BINDINGS)
# child processes of the tests import terminus too
if BINDINGS not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [BINDINGS] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))

from terminus.fake import Fake  # noqa: E402


@pytest.fixture
def fake():
    """A fake OS; checks after the test that no handle leaked."""
    with Fake() as f:
        yield f
        assert f.open_handles == 0, f.calls()


@pytest.fixture
def ctx(fake):
    """A context over the fake."""
    with fake.context() as c:
        yield c
