#!/usr/bin/env python3
"""The Python package built from the repository root (meson suite 'python').

  check-wheel.py venv  --python PY --source ROOT --work DIR --version V --library LIB
  check-wheel.py wheel --python PY --source ROOT --work DIR --version V

Both start from a copy of the source tree in a fresh temporary directory
(meson-python builds inside the tree it is given), as a new user would:

venv:  a fresh venv (PY -m venv --system-site-packages, so that the offline
       machine's meson-python serves the build), `pip install
       --no-build-isolation` of the repository root, then a script run from
       outside the tree, with no TERMINUS_LIBRARY, PYTHONPATH or
       LD_LIBRARY_PATH: the package loads the library inside it, terminates
       a real child, its exceptions derive from the built-ins,
       help(terminus.terminate) shows the real docstring; then
       TERMINUS_LIBRARY wins (LIB: the build's library; a missing path is a
       LibraryNotFound, which is a TerminusError).
wheel: `PY -m build --wheel --no-isolation` makes one platform wheel of
       version V holding the package, every file of bindings/python/terminus,
       and the library (an ELF shared object with the soname
       libterminus.so.0), and nothing a C developer installs (headers, the
       static library, pkg-config or CMake files, programs).

Exits 77 (skipped) when the interpreter lacks venv, pip, meson-python or
build; any other problem fails.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

SKIP = 77

CHECK_SCRIPT = r'''
import inspect, os, pydoc, subprocess, sys
import terminus

here = os.path.dirname(os.path.abspath(terminus.__file__))
assert here.startswith(os.path.abspath(sys.prefix)), (here, sys.prefix)
lib = terminus.library_path()
assert os.path.dirname(os.path.abspath(lib)) == here, "the library is not the package's: " + lib
print("terminus", terminus.version(), "library", lib)

# a real child, asked to leave (SIGTERM ends it), and not reaped by terminus
p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
r = terminus.terminate(p.pid, grace=5.0)
assert r.outcome == terminus.Outcome.EXITED, r
assert p.wait(timeout=10) == -15, p.returncode
print("real child:", r)

# the exceptions derive from the matching built-ins
for cls, builtin in ((terminus.NotFound, ProcessLookupError),
                     (terminus.AccessDenied, PermissionError),
                     (terminus.Timeout, TimeoutError),
                     (terminus.InvalidArgument, ValueError),
                     (terminus.LibraryNotFound, terminus.TerminusError)):
    assert issubclass(cls, builtin), (cls, builtin)
p = subprocess.Popen([sys.executable, "-c", "pass"])
p.wait()
try:
    terminus.terminate(p.pid)
except ProcessLookupError as e:
    assert isinstance(e, terminus.NotFound) and e.code == -2, e
    print("gone pid: ProcessLookupError:", e)
else:
    raise SystemExit("terminate of a reaped pid did not raise")
try:
    terminus.terminate(0)
except ValueError as e:
    assert isinstance(e, terminus.InvalidArgument), e
else:
    raise SystemExit("terminate(0) did not raise ValueError")

# help() shows what terminate does, not a pointer to another page
text = pydoc.render_doc(terminus.terminate, renderer=pydoc.plaintext)
for words in ("Ask process", "grace", "Returns:", "Raises:", "ctx:"):
    assert words in text, "help(terminus.terminate) lacks " + repr(words) + ":\n" + text
print("help(terminus.terminate): the real docstring")
print("ok")
'''

OVERRIDE_SCRIPT = r'''
import sys
import terminus
want = sys.argv[1]
if want == "missing":
    try:
        terminus.version()
    except terminus.TerminusError as e:
        assert isinstance(e, terminus.LibraryNotFound), type(e)
        assert "TERMINUS_LIBRARY" in str(e), str(e)
        print("TERMINUS_LIBRARY=/nonexistent: LibraryNotFound, a TerminusError")
    else:
        raise SystemExit("a missing TERMINUS_LIBRARY did not raise")
else:
    assert terminus.library_path() == want, (terminus.library_path(), want)
    print("TERMINUS_LIBRARY wins:", terminus.library_path())
'''


def run(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, **kw)


def has_module(python, module):
    return subprocess.run([python, "-c", "import " + module], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def clean_env():
    """The environment of a new user: none of the variables that point
    Python or the loader at the build."""
    env = dict(os.environ)
    for var in ("TERMINUS_LIBRARY", "PYTHONPATH", "LD_LIBRARY_PATH", "PYTHONHOME"):
        env.pop(var, None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


def copy_source(source, dest):
    """The files of the repository (git's list when it is a checkout, else
    the tree less build directories), as a fresh clone would have them."""
    listed = subprocess.run(["git", "-C", source, "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    if listed.returncode == 0 and listed.stdout:
        for rel in listed.stdout.decode().split("\0"):
            if not rel or not os.path.isfile(os.path.join(source, rel)):
                continue
            os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
            shutil.copy2(os.path.join(source, rel), os.path.join(dest, rel))
        return
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(
        ".git", "build", "build*", "builddir", ".mesonpy*", "__pycache__", "*.egg-info"))


def needs(python, modules):
    for module in modules:
        if not has_module(python, module):
            print("SKIP: {} has no module {} (scripts/deps: python3-venv python3-pip "
                  "python3-mesonpy python3-build)".format(python, module))
            return False
    return True


def do_venv(args, tmp):
    if not needs(args.python, ("venv", "pip", "mesonpy")):
        return SKIP
    src = os.path.join(tmp, "src")
    venv = os.path.join(tmp, "venv")
    outside = os.path.join(tmp, "outside")
    copy_source(args.source, src)
    env = clean_env()
    # the interpreter's own pip and meson-python serve the venv through
    # --system-site-packages: no network, no ensurepip
    if run([args.python, "-m", "venv", "--system-site-packages", "--without-pip", venv],
           env=env).returncode:
        return 1
    vpython = os.path.join(venv, "Scripts" if os.name == "nt" else "bin", "python")
    if run([vpython, "-m", "pip", "install", "-q", "--no-index", "--no-build-isolation", src],
           env=env, cwd=tmp).returncode:
        return 1
    os.makedirs(outside)
    for name, text in (("check.py", CHECK_SCRIPT), ("override.py", OVERRIDE_SCRIPT)):
        with open(os.path.join(outside, name), "w", encoding="utf-8") as f:
            f.write(text)
    if run([vpython, "check.py"], env=env, cwd=outside).returncode:
        return 1
    library = os.path.abspath(args.library)
    for value, want in (("/nonexistent/libterminus.so.0", "missing"), (library, library)):
        env2 = dict(env, TERMINUS_LIBRARY=value)
        if run([vpython, "override.py", want], env=env2, cwd=outside).returncode:
            return 1
    return 0


def elf_soname(data):
    """The DT_SONAME of a 64-bit little-endian ELF shared object, or None."""
    import struct
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    for sh in sections:
        if sh[1] != 6:  # SHT_DYNAMIC
            continue
        strtab = sections[sh[6]]
        for off in range(sh[4], sh[4] + sh[5], 16):
            tag, val = struct.unpack_from("<qQ", data, off)
            if tag == 14:  # DT_SONAME
                start = strtab[4] + val
                return data[start:data.index(b"\0", start)].decode()
    return None


def do_wheel(args, tmp):
    if not needs(args.python, ("build", "mesonpy")):
        return SKIP
    src = os.path.join(tmp, "src")
    dist = os.path.join(tmp, "dist")
    copy_source(args.source, src)
    if run([args.python, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, src],
           env=clean_env(), cwd=tmp).returncode:
        return 1
    wheels = [f for f in os.listdir(dist) if f.endswith(".whl")]
    if len(wheels) != 1:
        print("FAIL: expected one wheel in dist/, found", wheels)
        return 1
    wheel = wheels[0]
    print("wheel:", wheel)
    failures = []
    parts = wheel[:-4].split("-")
    if parts[0] != "terminus" or parts[1] != args.version:
        failures.append("the wheel is not terminus {}: {}".format(args.version, wheel))
    if parts[-1] == "any":
        failures.append("the wheel is not a platform wheel: " + wheel)
    with zipfile.ZipFile(os.path.join(dist, wheel)) as z:
        names = z.namelist()
        for name in names:
            print("  ", name)
        package = os.path.join(args.source, "bindings", "python", "terminus")
        for f in sorted(os.listdir(package)):
            if os.path.isfile(os.path.join(package, f)) and not f.endswith(".pyc"):
                if "terminus/" + f not in names:
                    failures.append("terminus/{} is not in the wheel (list it in "
                                    "bindings/python/meson.build)".format(f))
        lib = "terminus/libterminus.so.0"
        if sys.platform.startswith("linux"):
            if lib not in names:
                failures.append(lib + " is not in the wheel")
            else:
                soname = elf_soname(z.read(lib))
                if soname != "libterminus.so.0":
                    failures.append("{}: soname {!r}, not libterminus.so.0".format(lib, soname))
        for name in names:
            if name.endswith((".h", ".a", ".pc", ".cmake")) or "/bin/" in name or ".data/" in name:
                failures.append("the wheel holds a file for C developers: " + name)
        wheel_meta = z.read("terminus-{}.dist-info/WHEEL".format(parts[1])).decode()
        if "Root-Is-Purelib: false" not in wheel_meta:
            failures.append("WHEEL does not say Root-Is-Purelib: false")
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("ok: one platform wheel, the package and libterminus.so.0 inside, nothing else")
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["venv", "wheel"])
    ap.add_argument("--python", default="")
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--library", default="")
    args = ap.parse_args()
    if not args.python or not os.path.exists(args.python):
        print("SKIP: no Python interpreter ({!r})".format(args.python))
        return SKIP
    os.makedirs(args.work, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        return do_venv(args, tmp) if args.mode == "venv" else do_wheel(args, tmp)


if __name__ == "__main__":
    sys.exit(main())
