#!/usr/bin/env python3
"""The commands as installed things: --version, help, man pages, what
`meson install` puts where.

  check-tools.py version --bin DIR --version V [--wine-run cross/wine64-run --dll DLL]
        (suite 'examples') tkill, logoff and sessions built in DIR (the .exe
        programs under Wine in the cross build, DLL's folder on WINEPATH): --version
        (and /version) prints "NAME (terminus) V" and exits 0; --help
        states the exit codes and --version; a help option before
        --version wins.
  check-tools.py man --version V --pages PAGE...
        (suite 'docs') each roff page built by scdoc (docs/man) renders with
        `man -l` (MANWIDTH=80, -Tutf8, groff warnings on) and with
        `groff -man -ww -z` without a single warning, and has its sections
        (NAME, SYNOPSIS, DESCRIPTION; EXIT STATUS and --version for the
        commands) and the version in its footer.
  check-tools.py install --meson MESON --build-dir DIR --prefix P --bindir B
                         --mandir M --libdir L --version V [--man]
        (suite 'install') `meson install --destdir` into a fresh temporary
        directory: tkill, logoff and sessions in bindir, the demo listener
        and demo nowhere; with --man, their pages in man1 and terminus.3 in
        man3, each rendered by `man -l`; the installed tkill --version,
        run against the installed library, prints V.

Exits 77 (skipped) when a tool it needs (man, groff, meson) is missing.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
TOOLS = ("tkill", "logoff", "sessions")


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)
    print("ok:", what)


WRAPPER = []   # [cross/wine64-run] in the cross build


def run(cmd, env=None):
    p = subprocess.run(WRAPPER + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=env, timeout=60)
    return p.returncode, p.stdout.replace("\r", ""), p.stderr.replace("\r", "")


def exe(bindir, name):
    for candidate in (name, name + ".exe"):
        path = os.path.join(bindir, candidate)
        if os.path.exists(path):
            return path
    raise Fail("{} is not in {}".format(name, bindir))


def t_version(a):
    for name in TOOLS:
        path = exe(a.bin, name)
        want = "{} (terminus) {}\n".format(name, a.version)
        # under Wine each run costs most of a second: the spellings natively only
        for opt in ("--version",) if WRAPPER else ("--version", "/version", "--VERSION"):
            rc, out, err = run([path, opt])
            check(rc == 0 and out == want and err == "",
                  "{} {}: exit 0, {!r} (got {}, {!r}, {!r})".format(name, opt, want.strip(), rc,
                                                                  out, err))
        rc, out, err = run([path, "--help"])
        check(rc == 0 and re.search(r"Exit code: 0 ", out) is not None and "--version" in out,
              "{} --help: exit 0, states the exit codes and --version".format(name))
        if not WRAPPER:
            rc, out, err = run([path, "--help", "--version"])
            check(rc == 0 and "Exit code" in out and want not in out,
                  "{} --help --version: the help (the first option wins)".format(name))


def plain(text):
    """man -Tutf8 output without its overstriking and escape sequences."""
    text = re.sub(r".\x08", "", text)
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def render(page):
    """The page through man -l and groff, failing on any warning."""
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    env.pop("MANPAGER", None)
    env.pop("PAGER", None)
    rc, out, err = run(["man", "--warnings=w", "-l", "-Tutf8", page], env)
    check(rc == 0 and err == "", "man -l {}: no warning{}".format(
        os.path.basename(page), "" if not err else ":\n" + err))
    rc, _, gerr = run(["groff", "-man", "-ww", "-z", page], env)
    check(rc == 0 and gerr == "", "groff -man -ww -z {}: no warning{}".format(
        os.path.basename(page), "" if not gerr else ":\n" + gerr))
    return plain(out)


def t_man(a):
    for page in a.pages:
        name, section = os.path.basename(page).rsplit(".", 1)
        text = render(page)
        check(text.startswith("{}({})".format(name, section)),
              "{}: the header names {}({})".format(name, name, section))
        wanted = ["NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"]
        if section == "1":
            wanted += ["OPTIONS", "EXIT STATUS", "--version"]
        else:
            wanted += ["ERRORS", "TERMINUS_E_UNREACHABLE"]
        missing = [w for w in wanted if w not in text]
        check(not missing, "{}: has {}".format(name, ", ".join(wanted)) +
              ("" if not missing else " (missing: {})".format(missing)))
        check("terminus " + a.version in text, "{}: the footer says terminus {}".format(
            name, a.version))


def t_install(a):
    with tempfile.TemporaryDirectory() as dest:
        rc, out, err = run([a.meson, "install", "-C", a.build_dir, "--no-rebuild", "--quiet",
                            "--destdir", dest])
        check(rc == 0, "meson install --destdir: exit 0" + ("" if rc == 0 else "\n" + out + err))

        def staged(d):
            d = d if os.path.isabs(d) else os.path.join(a.prefix, d)
            return os.path.join(dest, d.lstrip("/"))

        bindir = staged(a.bindir)
        for name in TOOLS:
            path = os.path.join(bindir, name)
            check(os.path.isfile(path) and os.access(path, os.X_OK),
                  "bin/{} installed".format(name))
        everything = [os.path.join(root, f) for root, _, files in os.walk(dest) for f in files]
        strays = [f for f in everything if os.path.basename(f) in ("listener", "demo")]
        check(not strays, "neither the demo listener nor demo is installed" +
              ("" if not strays else ": {}".format(strays)))
        env = dict(os.environ, LD_LIBRARY_PATH=staged(a.libdir))
        rc, out, err = run([os.path.join(bindir, "tkill"), "--version"], env)
        check(rc == 0 and out == "tkill (terminus) {}\n".format(a.version),
              "the installed tkill --version prints {} ({!r})".format(a.version, out))
        if not a.man:
            print("(scdoc was not found: no man page to check)")
            return
        mandir = staged(a.mandir)
        for page in ("man1/tkill.1", "man1/logoff.1", "man1/sessions.1", "man3/terminus.3"):
            path = os.path.join(mandir, page)
            check(os.path.isfile(path), "{} installed".format(page))
            render(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["version", "man", "install"])
    ap.add_argument("--bin", default="")
    ap.add_argument("--version", required=True)
    ap.add_argument("--meson", default="")
    ap.add_argument("--build-dir", default="")
    ap.add_argument("--prefix", default="")
    ap.add_argument("--bindir", default="bin")
    ap.add_argument("--mandir", default="share/man")
    ap.add_argument("--libdir", default="lib")
    ap.add_argument("--man", action="store_true")
    ap.add_argument("--wine-run", default="")
    ap.add_argument("--dll", default="")
    ap.add_argument("--pages", nargs="+", default=[])
    a = ap.parse_args()
    needed = []
    if a.mode == "man" or (a.mode == "install" and a.man):
        needed += ["man", "groff"]
    if a.mode == "install" and not a.meson:
        print("SKIP: meson not found")
        return SKIP
    for tool in needed:
        if shutil.which(tool) is None:
            print("SKIP: {} not found (apt-get install man-db groff-base)".format(tool))
            return SKIP
    if a.wine_run:
        WRAPPER.append(a.wine_run)
        if a.dll:
            folder = os.path.dirname(os.path.abspath(a.dll))
            os.environ["WINEPATH"] = "Z:" + folder.replace("/", "\\")
    try:
        {"version": t_version, "man": t_man, "install": t_install}[a.mode](a)
    except Fail as e:
        print("FAIL:", e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
