"""Finding the library: TERMINUS_LIBRARY, next to the package, the system loader."""

import os
import subprocess
import sys

import pytest

import terminus

PROBE = "import terminus\ntry:\n    print(terminus.version())\nexcept terminus.LibraryNotFound as e:\n    print(e)\n    raise SystemExit(3)\n"


def probe(env_changes):
    env = dict(os.environ)
    for k, v in env_changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return subprocess.run([sys.executable, "-c", PROBE], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=60)


needs_env = pytest.mark.skipif("TERMINUS_LIBRARY" not in os.environ,
                               reason="TERMINUS_LIBRARY is not set")


@needs_env
def test_terminus_library_is_used():
    assert os.path.samefile(terminus.library_path(), os.environ["TERMINUS_LIBRARY"])


def test_a_bad_terminus_library_is_the_only_place_tried():
    p = probe({"TERMINUS_LIBRARY": "/nonexistent/libterminus.so.0"})
    assert p.returncode == 3, p.stdout
    assert "/nonexistent/libterminus.so.0 (TERMINUS_LIBRARY)" in p.stdout
    assert "system loader" not in p.stdout


def test_every_path_tried_is_listed():
    p = probe({"TERMINUS_LIBRARY": None, "LD_LIBRARY_PATH": None})
    if p.returncode == 0:
        pytest.skip("libterminus is installed on this system: " + p.stdout.strip())
    assert p.returncode == 3, p.stdout
    package_dir = os.path.dirname(terminus.__file__)
    assert os.path.join(package_dir, "libterminus.so.0") in p.stdout
    assert "libterminus.so.0 (system loader)" in p.stdout
    assert "libterminus.so (system loader)" in p.stdout
    assert "TERMINUS_LIBRARY" in p.stdout  # the hint


@needs_env
def test_system_loader():
    libdir = os.path.dirname(os.path.abspath(os.environ["TERMINUS_LIBRARY"]))
    if not os.path.exists(os.path.join(libdir, "libterminus.so.0")):
        pytest.skip("no libterminus.so.0 beside " + os.environ["TERMINUS_LIBRARY"])
    p = probe({"TERMINUS_LIBRARY": None, "LD_LIBRARY_PATH": libdir})
    assert p.returncode == 0, p.stdout
    assert p.stdout.strip() == terminus.version()


def test_new_native_contexts():
    with terminus.Context() as ctx:
        with pytest.raises(terminus.InvalidArgument):
            ctx.terminate(0)
    assert ctx.closed
    assert terminus.Context.default() is terminus.Context.default()
    terminus.Context.default().close()  # never closes
    assert not terminus.Context.default().closed
