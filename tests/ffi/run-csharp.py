#!/usr/bin/env python3
"""Build and run the C# binding tests against a built libterminus (meson suite 'csharp').

  run-csharp.py --mcs MCS --mono MONO --library LIB --sources Terminus.cs TerminusTests.cs --work DIR

Compiles bindings/csharp/Terminus.cs into Terminus.dll (warnings are
errors) with its dllmap config beside it, as a user would ship it, then the
tests against it, and runs them with mono and LD_LIBRARY_PATH at the
library's directory, and TERMINUS_TEST_LAYOUT at the program that prints
the C layout of the structs (--layout, tests/ffi/layout.c). Exits 77
(skipped) when mcs or mono is missing.
"""

import argparse
import os
import shutil
import subprocess
import sys

SKIP = 77


def run(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, **kw).returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mcs", default="")
    ap.add_argument("--mono", default="")
    ap.add_argument("--library", required=True)
    ap.add_argument("--sources", nargs=2, required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--example", default="", help="examples/csharp/Tkill.cs: build and run it too")
    ap.add_argument("--layout", default="", help="tests/ffi/layout.c built: the C layout of the structs")
    args = ap.parse_args()
    for tool, name in ((args.mcs, "mcs"), (args.mono, "mono")):
        if not tool or not os.path.exists(tool):
            print("SKIP: {} not found (apt-get install mono-mcs mono-runtime)".format(name))
            return SKIP
    if not os.path.exists(args.library):
        print("FAIL: the library {} does not exist".format(args.library))
        return 1
    binding, tests = (os.path.abspath(s) for s in args.sources)
    os.makedirs(args.work, exist_ok=True)
    dll = os.path.join(args.work, "Terminus.dll")
    exe = os.path.join(args.work, "TerminusTests.exe")
    if run([args.mcs, "-target:library", "-warn:4", "-warnaserror+", "-nologo",
            "-out:" + dll, binding]):
        return 1
    config = os.path.join(os.path.dirname(binding), "Terminus.dll.config")
    if os.path.exists(config):
        shutil.copyfile(config, dll + ".config")
    if run([args.mcs, "-warn:4", "-warnaserror+", "-nologo", "-r:" + dll, "-out:" + exe, tests]):
        return 1
    env = dict(os.environ)
    libdir = os.path.dirname(os.path.abspath(args.library))
    env["LD_LIBRARY_PATH"] = os.pathsep.join([libdir] + ([env["LD_LIBRARY_PATH"]] if env.get("LD_LIBRARY_PATH") else []))
    env["TERMINUS_LIBRARY"] = os.path.abspath(args.library)
    if args.layout:
        env["TERMINUS_TEST_LAYOUT"] = os.path.abspath(args.layout)
    rc = run([args.mono, "--debug", exe], env=env, cwd=args.work)
    if rc or not args.example:
        return rc
    tkill = os.path.join(args.work, "Tkill.exe")
    if run([args.mcs, "-warn:4", "-warnaserror+", "-nologo", "-r:" + dll, "-out:" + tkill, args.example]):
        return 1
    return check_tkill([args.mono, tkill], env, args.work, "/V")


def check_tkill(cmd, env, cwd, verbose=None):
    """Run an example tkill: pid 0 is rejected (exit 2); a sleeping child is
    ended (exit 0) by SIGTERM, the line says so ("[ended by: SIGTERM]") and,
    with the verbose option given, SIGTERM is shown as it goes out; or the
    native backend says it cannot (exit 1)."""
    p = subprocess.run(cmd + ["0"], env=env, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    print(p.stdout, end="")
    if p.returncode != 2 or "pid 0" not in p.stdout:
        print("FAIL: tkill 0 should exit 2 naming pid 0 (exit {})".format(p.returncode))
        return 1
    child = subprocess.Popen(["sleep", "60"])
    try:
        p = subprocess.run(cmd + ([verbose] if verbose else []) + [str(child.pid)], env=env,
                           cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=60)
        print(p.stdout, end="")
        if p.returncode == 1 and "not supported" in p.stdout:
            print("(the native backend cannot terminate processes)")
            return 0
        if p.returncode != 0 or "left when asked" not in p.stdout:
            print("FAIL: tkill {} exited {}".format(child.pid, p.returncode))
            return 1
        if "[ended by: SIGTERM]" not in p.stdout:
            print("FAIL: tkill did not say that SIGTERM ended it")
            return 1
        if verbose and "pid {}: SIGTERM sent".format(child.pid) not in p.stdout:
            print("FAIL: tkill {} did not show SIGTERM going out".format(verbose))
            return 1
        return 0
    finally:
        child.kill()
        child.wait()

if __name__ == "__main__":
    sys.exit(main())
