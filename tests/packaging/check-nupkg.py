#!/usr/bin/env python3
"""The NuGet package of the C# binding (meson suite 'csharp').

  check-nupkg.py --meson MESON --build-dir BUILD --package PKG --version V
                 --mcs MCS --mono MONO --check NupkgCheck.cs --csproj Terminus.csproj
                 --source ROOT --work DIR

1. `meson compile -C BUILD nupkg`, the documented command, makes PKG.
2. Its files (unzip -l): Terminus.nuspec (id Terminus, version V),
   [Content_Types].xml, lib/netstandard2.0/Terminus.dll, Terminus.xml (with a
   comment for every public type), Terminus.dll.config, and
   runtimes/linux-x64/native/libterminus.so, nothing else.
3. Unpacked in a fresh directory, its Terminus.dll is what mono loads
   (MONO_PATH at lib/netstandard2.0) for tests/packaging/NupkgCheck.cs, with no
   TERMINUS_LIBRARY and no LD_LIBRARY_PATH: the binding finds the native
   library in the package's runtimes folder, the assembly version is V.0,
   a terminate through the fake works; then with TERMINUS_LIBRARY at a
   missing file, the first call throws a LibraryNotFoundException naming it.
4. scripts/nupkg.py merge adds another build's runtime (a stand-in
   win-x64 library) to the package, as docs/csharp.md says to combine a Linux
   and a Windows build.
5. Terminus.csproj is SDK-style, netstandard2.0, with GenerateDocumentationFile,
   and its Version expression reads V out of meson.build.

Exits 77 (skipped) when mcs, mono or meson is missing.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile

SKIP = 77
failures = []


def check(cond, what):
    print("{}: {}".format("ok" if cond else "FAIL", what), flush=True)
    if not cond:
        failures.append(what)
    return cond


def run(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, **kw)


def user_env():
    env = dict(os.environ)
    for var in ("TERMINUS_LIBRARY", "LD_LIBRARY_PATH", "MONO_PATH"):
        env.pop(var, None)
    return env


def main():
    ap = argparse.ArgumentParser()
    for opt in ("--meson", "--mcs", "--mono"):
        ap.add_argument(opt, default="")
    for opt in ("--build-dir", "--package", "--version", "--check", "--csproj", "--source",
                "--work"):
        ap.add_argument(opt, required=True)
    a = ap.parse_args()
    for tool, name in ((a.meson, "meson"), (a.mcs, "mcs"), (a.mono, "mono")):
        if not tool or not os.path.exists(tool):
            print("SKIP: {} not found (scripts/deps: mono-mcs mono-runtime)".format(name))
            return SKIP

    # 1. the documented command
    if run([a.meson, "compile", "-C", a.build_dir, "nupkg"]).returncode:
        print("FAIL: meson compile nupkg")
        return 1
    check(os.path.isfile(a.package), "meson compile -C BUILD nupkg made " + os.path.basename(a.package))

    # 2. its files
    want = {"Terminus.nuspec", "[Content_Types].xml", "lib/netstandard2.0/Terminus.dll",
            "lib/netstandard2.0/Terminus.xml", "lib/netstandard2.0/Terminus.dll.config",
            "runtimes/linux-x64/native/libterminus.so"}
    if shutil.which("unzip"):
        listing = run(["unzip", "-l", a.package], stdout=subprocess.PIPE, text=True).stdout
        print(listing)
        listed = set(re.findall(r"^\s*\d+\s+\S+\s+\S+\s+(\S.*)$", listing, re.M)) - {"Name", "----"}
        check(listed == want, "unzip -l: exactly " + ", ".join(sorted(want)) +
              ("" if listed == want else " (got {})".format(sorted(listed))))
    with zipfile.ZipFile(a.package) as z:
        names = set(z.namelist())
        check(names == want, "the zip holds exactly the package's files")
        spec = z.read("Terminus.nuspec").decode()
        check("<id>Terminus</id>" in spec and "<version>{}</version>".format(a.version) in spec,
              "the nuspec: id Terminus, version " + a.version)
        docs = z.read("lib/netstandard2.0/Terminus.xml").decode()
        for member in ("T:Terminus.Context", "T:Terminus.LibraryNotFoundException",
                       "F:Terminus.ErrorCode.NotFound", "M:Terminus.Fake.#ctor"):
            check('name="{}"'.format(member) in docs, "Terminus.xml documents " + member)
        native = z.read("runtimes/linux-x64/native/libterminus.so")
        check(native[:4] == b"\x7fELF", "runtimes/linux-x64/native/libterminus.so is an ELF library")

    os.makedirs(a.work, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=a.work) as tmp:
        # 3. mono loads the package's dll, the native library from its runtimes folder
        pkg = os.path.join(tmp, "package")
        with zipfile.ZipFile(a.package) as z:
            z.extractall(pkg)
        lib = os.path.join(pkg, "lib", "netstandard2.0")
        app = os.path.join(tmp, "app")
        os.makedirs(app)
        exe = os.path.join(app, "NupkgCheck.exe")
        if run([a.mcs, "-nologo", "-warn:4", "-warnaserror+", "-r:" + os.path.join(lib, "Terminus.dll"),
                "-out:" + exe, a.check]).returncode:
            print("FAIL: mcs NupkgCheck.cs against the package's Terminus.dll")
            return 1
        env = user_env()
        env["MONO_PATH"] = lib  # Terminus.dll stays in the package, its dllmap beside it
        check(run([a.mono, exe, a.version], env=env, cwd=app).returncode == 0,
              "mono: the package's Terminus.dll with its runtimes folder's library")
        missing = os.path.join(tmp, "nowhere", "libterminus.so.0")
        env["TERMINUS_LIBRARY"] = missing
        check(run([a.mono, exe, "missing", missing], env=env, cwd=app).returncode == 0,
              "mono: TERMINUS_LIBRARY at a missing file: LibraryNotFoundException")

        # 4. combining the packages of two builds
        other = os.path.join(tmp, "other.nupkg")
        stand_in = os.path.join(tmp, "libterminus-0.dll")
        with open(stand_in, "wb") as f:
            f.write(b"MZ stand-in for the Windows build's library")
        script = os.path.join(a.source, "scripts", "nupkg.py")
        ok = run([sys.executable, script, "build", "--version", a.version, "--out", other,
                  "--dll", os.path.join(lib, "Terminus.dll"), "--xml", os.path.join(lib, "Terminus.xml"),
                  "--config", os.path.join(lib, "Terminus.dll.config"),
                  "--native", "win-x64=" + stand_in]).returncode == 0
        both = os.path.join(tmp, "both.nupkg")
        ok = ok and run([sys.executable, script, "merge", "--out", both, a.package,
                         other]).returncode == 0
        if check(ok, "scripts/nupkg.py merge ran"):
            with zipfile.ZipFile(both) as z:
                names = set(z.namelist())
                spec = z.read("Terminus.nuspec").decode()
            check(names == want | {"runtimes/win-x64/native/libterminus-0.dll"},
                  "the merged package has both runtimes and the rest once")
            check("linux-x64, win-x64" in spec, "its description names both runtimes")
        bad = os.path.join(tmp, "bad.nupkg")
        run([sys.executable, script, "build", "--version", "9.9.9", "--out", bad,
             "--dll", os.path.join(lib, "Terminus.dll"), "--xml", os.path.join(lib, "Terminus.xml"),
             "--config", os.path.join(lib, "Terminus.dll.config"), "--native", "win-x64=" + stand_in])
        check(run([sys.executable, script, "merge", "--out", os.path.join(tmp, "x.nupkg"), a.package,
                   bad], stderr=subprocess.PIPE).returncode != 0,
              "merge refuses packages of different versions")

    # 5. the SDK-style project
    project = ET.parse(a.csproj).getroot()
    check(project.tag == "Project" and project.get("Sdk") == "Microsoft.NET.Sdk",
          "Terminus.csproj is an SDK-style project")
    props = {e.tag: (e.text or "") for g in project.findall("PropertyGroup") for e in g}
    check(props.get("TargetFramework") == "netstandard2.0", "it targets netstandard2.0")
    check(props.get("GenerateDocumentationFile") == "true", "it generates the XML documentation")
    m = re.search(r"`([^`]*)`", props.get("Version", ""))
    with open(os.path.join(a.source, "meson.build"), encoding="utf-8") as f:
        meson_build = f.read()
    found = re.search(m.group(1), meson_build) if m else None
    check(found is not None and found.group(0) == a.version,
          "its Version expression reads {} out of meson.build".format(a.version))

    print("{} check(s) failed".format(len(failures)) if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
