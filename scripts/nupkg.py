#!/usr/bin/env python3
"""Make the NuGet package of the C# binding without the dotnet SDK.

A .nupkg is a zip with a .nuspec at its root. This one holds:

  Terminus.nuspec                              id, version, licence, description
  [Content_Types].xml                          the OPC part list NuGet writes too
  lib/netstandard2.0/Terminus.dll              the binding, built by mcs
  lib/netstandard2.0/Terminus.xml              its XML documentation (mcs -doc)
  lib/netstandard2.0/Terminus.dll.config       mono's dllmap (.NET ignores it)
  runtimes/linux-x64/native/libterminus.so     the native library of each
  runtimes/win-x64/native/libterminus-0.dll    platform built

  nupkg.py build --version V --out PKG --dll Terminus.dll --xml Terminus.xml
                 --config Terminus.dll.config --native RID=PATH [--native RID=PATH]...
      one package from one build (meson: `meson compile -C BUILD nupkg`, which
      writes BUILD/bindings/csharp/Terminus.V.nupkg with that build's runtime)
  nupkg.py merge --out PKG A.nupkg B.nupkg...
      one package with the runtimes of all: a Linux and a Windows build
      (docs/csharp.md). The packages must have the same id and version; the
      managed files are taken from the first.

The zip is reproducible: fixed order, and the time of SOURCE_DATE_EPOCH (or
1980-01-01) on every entry.
"""

import argparse
import os
import re
import sys
import time
import zipfile
from xml.sax.saxutils import escape

PACKAGE_ID = "Terminus"
TFM = "netstandard2.0"

NUSPEC = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>{id}</id>
    <version>{version}</version>
    <title>terminus</title>
    <authors>terminus contributors</authors>
    <license type="expression">MIT</license>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <description>{description}</description>
    <tags>process terminate kill exit logoff session windows linux native</tags>
    <dependencies>
      <group targetFramework=".NETStandard2.0" />
    </dependencies>
  </metadata>
</package>
"""

DESCRIPTION = ("End things properly: ask processes to leave and kill them only after a "
               "grace period, exit cleanly, log off users and sessions, on Windows and "
               "Linux; with a fake OS for tests. C# bindings (P/Invoke) of libterminus, "
               "with the native library for {runtimes}.")

CONTENT_TYPES = """<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
{defaults}</Types>
"""

# the native file name of each runtime identifier's platform
NATIVE_NAMES = {"linux": "libterminus.so", "win": "libterminus-0.dll", "osx": "libterminus.dylib"}


def zip_time():
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        t = time.gmtime(max(int(epoch), 315532800))
        return t[:6]
    return (1980, 1, 1, 0, 0, 0)


def content_types(names):
    exts = sorted({os.path.splitext(n)[1].lstrip(".") or "bin" for n in names} | {"nuspec"})
    lines = []
    for ext in exts:
        kind = "application/xml" if ext in ("xml", "nuspec", "config") else "application/octet"
        lines.append('  <Default Extension="{}" ContentType="{}" />\n'.format(escape(ext), kind))
    return CONTENT_TYPES.format(defaults="".join(lines))


def write(out, entries):
    """entries: {name in the zip: bytes}. The nuspec first, then in name order."""
    stamp = zip_time()
    tmp = out + ".tmp"
    names = sorted(entries, key=lambda n: (not n.endswith(".nuspec"), n))
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name in names + ["[Content_Types].xml"]:
            data = entries[name] if name in entries else content_types(names).encode()
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    os.replace(tmp, out)


def rids_of(names):
    return sorted({n.split("/")[1] for n in names if n.startswith("runtimes/")})


def nuspec(version, rids):
    return NUSPEC.format(id=PACKAGE_ID, version=escape(version),
                         description=escape(DESCRIPTION.format(runtimes=", ".join(rids))))


def do_build(a):
    if not re.match(r"^\d+\.\d+\.\d+", a.version):
        sys.exit("nupkg.py: bad version " + repr(a.version))
    lib = "lib/{}/".format(TFM)
    entries = {}
    for path, name in ((a.dll, "Terminus.dll"), (a.xml, "Terminus.xml"),
                       (a.config, "Terminus.dll.config")):
        with open(path, "rb") as f:
            entries[lib + name] = f.read()
    for spec in a.native:
        rid, _, path = spec.partition("=")
        platform = rid.split("-")[0]
        if platform not in NATIVE_NAMES or not path:
            sys.exit("nupkg.py: --native wants RID=PATH with a linux-, win- or osx- RID: " + spec)
        with open(path, "rb") as f:
            entries["runtimes/{}/native/{}".format(rid, NATIVE_NAMES[platform])] = f.read()
    entries["{}.nuspec".format(PACKAGE_ID)] = nuspec(a.version, rids_of(entries)).encode()
    write(a.out, entries)
    print("nupkg.py: wrote {} ({})".format(a.out, ", ".join(rids_of(entries))))


def read(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if not n.endswith("/")}


def version_of(entries, path):
    spec = [n for n in entries if n.endswith(".nuspec") and "/" not in n]
    if len(spec) != 1:
        sys.exit("nupkg.py: {} has no .nuspec at its root".format(path))
    text = entries[spec[0]].decode()
    m = re.search(r"<id>([^<]*)</id>.*<version>([^<]*)</version>", text, re.S)
    if m is None:
        sys.exit("nupkg.py: {}: the .nuspec has no id or version".format(path))
    return m.group(1), m.group(2)


def do_merge(a):
    merged, ident = None, None
    for path in a.packages:
        entries = read(path)
        this = version_of(entries, path)
        if merged is None:
            merged, ident = entries, this
            continue
        if this != ident:
            sys.exit("nupkg.py: {} is {} {}, not {} {}".format(path, this[0], this[1], *ident))
        for name, data in entries.items():
            if name.startswith("runtimes/"):
                if name in merged and merged[name] != data:
                    sys.exit("nupkg.py: {} is in two packages with different contents".format(name))
                merged[name] = data
    merged.pop("[Content_Types].xml", None)
    merged["{}.nuspec".format(PACKAGE_ID)] = nuspec(ident[1], rids_of(merged)).encode()
    write(a.out, merged)
    print("nupkg.py: wrote {} ({})".format(a.out, ", ".join(rids_of(merged))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--version", required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--dll", required=True)
    b.add_argument("--xml", required=True)
    b.add_argument("--config", required=True)
    b.add_argument("--native", action="append", default=[], help="RID=PATH, e.g. linux-x64=libterminus.so.0")
    m = sub.add_parser("merge")
    m.add_argument("--out", required=True)
    m.add_argument("packages", nargs="+")
    a = ap.parse_args()
    do_build(a) if a.cmd == "build" else do_merge(a)


if __name__ == "__main__":
    main()
