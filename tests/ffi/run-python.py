#!/usr/bin/env python3
"""Run the Python binding tests against a built libterminus (meson suite 'python').

  run-python.py pytest  --python PY --library LIB --bindings DIR --tests DIR
  run-python.py install --python PY --library LIB --bindings DIR --work DIR
  run-python.py example --python PY --library LIB --bindings DIR --example tkill.py

pytest:  PY -m pytest on the tests, with TERMINUS_LIBRARY=LIB, the
         bindings on PYTHONPATH and TERMINUS_TEST_LAYOUT=LAYOUT (--layout: the
         program that prints the C layout of the structs, tests/ffi/layout.c).
example: examples/python/tkill.py rejects pid 0 and ends a sleeping child,
         saying that SIGTERM ended it and (-v) when SIGTERM went out.
install: what a new user does: a fresh venv (--system-site-packages, so
         that the offline machine's setuptools and wheel serve the build),
         `pip install --no-build-isolation` of a copy of the bindings, then a
         script run from outside the project imports terminus and calls it.

Exits 77 (skipped) when the interpreter, or for `install` its venv/pip
tooling, is missing; every other problem fails.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77

CHECK_SCRIPT = r'''
import os, sys
import terminus
from terminus.fake import Fake, Behaviour

here = os.path.dirname(terminus.__file__)
assert here.startswith(sys.prefix), (here, sys.prefix)
assert os.path.exists(os.path.join(here, "py.typed")), "py.typed is not installed"
print("terminus", terminus.version(), "from", here, "library", terminus.library_path())

with Fake() as fake:
    fake.add_process(42, Behaviour.EXITS_ON_REQUEST, after_ms=250, exit_code=0)
    r = terminus.terminate(42, ctx=fake.context())
    assert r.outcome == terminus.Outcome.EXITED and r.elapsed_us == 250000, r

try:
    terminus.terminate(0)
except terminus.InvalidArgument as e:
    print("pid 0:", e)
else:
    raise SystemExit("terminate(0) did not raise")

import subprocess
# a real process, asked to leave (Python's default SIGTERM ends it)
p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
r = terminus.terminate(p.pid, grace=5.0)
assert r.outcome == terminus.Outcome.EXITED, r
assert p.wait(timeout=10) == -15, p.returncode  # terminus did not reap it
print("real child:", r)

p = subprocess.Popen([sys.executable, "-c", "pass"])
p.wait()
try:
    terminus.terminate(p.pid)
except terminus.NotFound as e:
    print("gone pid:", e)
else:
    raise SystemExit("terminate of a reaped pid did not raise NotFound")
print("ok")
'''


def run(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, **kw)


def base_env(args):
    env = dict(os.environ)
    env["TERMINUS_LIBRARY"] = os.path.abspath(args.library)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the source tree
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


def has_module(python, module):
    return subprocess.run([python, "-c", "import " + module], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def do_pytest(args):
    if not has_module(args.python, "pytest"):
        print("SKIP: {} has no pytest (apt-get install python3-pytest)".format(args.python))
        return SKIP
    env = base_env(args)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.abspath(args.bindings)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    if args.layout:
        env["TERMINUS_TEST_LAYOUT"] = os.path.abspath(args.layout)
    cmd = [args.python, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
           "--rootdir", os.path.abspath(args.tests), os.path.abspath(args.tests)]
    return run(cmd, env=env).returncode


def do_install(args):
    for module in ("venv", "setuptools", "wheel"):
        if not has_module(args.python, module):
            print("SKIP: {} has no {} module (apt-get install python3-venv python3-setuptools "
                  "python3-wheel)".format(args.python, module))
            return SKIP
    # The interpreter's own pip serves the venv through --system-site-packages
    # (0.2 s); without it the venv gets its own from ensurepip (about 20 s).
    venv_args = ["--without-pip"] if has_module(args.python, "pip") else []
    if not venv_args and not has_module(args.python, "ensurepip"):
        print("SKIP: {} has neither pip nor ensurepip (apt-get install python3-venv)".format(args.python))
        return SKIP
    os.makedirs(args.work, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        src = os.path.join(tmp, "src")
        venv = os.path.join(tmp, "venv")
        outside = os.path.join(tmp, "outside")
        # a copy: pip builds in the tree it is given (build/, *.egg-info)
        shutil.copytree(args.bindings, src, ignore=shutil.ignore_patterns(
            "build", "dist", "*.egg-info", "__pycache__", "libterminus*"))
        env = base_env(args)
        env.pop("PYTHONPATH", None)
        if run([args.python, "-m", "venv", "--system-site-packages"] + venv_args + [venv], env=env).returncode:
            return 1
        bindir = os.path.join(venv, "Scripts" if os.name == "nt" else "bin")
        vpython = os.path.join(bindir, "python")
        if run([vpython, "-m", "pip", "install", "-q", "--no-index", "--no-build-isolation", src],
               env=env).returncode:
            return 1
        os.makedirs(outside)
        script = os.path.join(outside, "check.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(CHECK_SCRIPT)
        return run([vpython, script], env=env, cwd=outside).returncode


def do_example(args):
    env = base_env(args)
    env["PYTHONPATH"] = os.path.abspath(args.bindings)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    from importlib import import_module
    check_tkill = import_module("run-csharp").check_tkill
    return check_tkill([args.python, os.path.abspath(args.example)], env, here, "-v")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["pytest", "install", "example"])
    ap.add_argument("--python", default="")
    ap.add_argument("--library", required=True)
    ap.add_argument("--bindings", required=True)
    ap.add_argument("--tests", default="")
    ap.add_argument("--work", default="")
    ap.add_argument("--example", default="")
    ap.add_argument("--layout", default="", help="tests/ffi/layout.c built")
    args = ap.parse_args()
    if not args.python or not os.path.exists(args.python):
        print("SKIP: no Python interpreter ({!r})".format(args.python))
        return SKIP
    if not os.path.exists(args.library):
        print("FAIL: the library {} does not exist".format(args.library))
        return 1
    if args.mode == "example":
        return do_example(args)
    return do_pytest(args) if args.mode == "pytest" else do_install(args)


if __name__ == "__main__":
    sys.exit(main())
