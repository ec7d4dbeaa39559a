#!/usr/bin/env python3
"""Check that the shared library exports exactly the documented symbols.

The documented symbols are the functions the public headers declare
TERMINUS_API (include/: the API, the backend ABI of terminus/sys/os.h and
the testing ABI of terminus/sys/fake.h; docs/install.md, "ABI policy").
Checked, each against that set:
- lib/terminus.map, the version script (ELF): its global names, each once,
  and `local: *;` in the node that hides the rest;
- lib/terminus.def, the module definition file (Windows): its EXPORTS;
  what a header declares only under `#if defined(_WIN32)` (the console
  step's helper, terminus/sys/os.h) belongs to the .def and the DLL only;
- the built library: its export table (nm -D, or objdump -p for a DLL); on
  ELF every export also carries the version node the map gives it, as the
  default version (name@@NODE);
- the functions of the public contract (tests/headers/contract.c) are all
  there.

usage: check-exports.py --mode nm|objdump --tool PATH --lib LIBRARY
                        --include DIR --map lib/terminus.map --def lib/terminus.def
Exit 77 (skipped) when the tool is missing.
"""
import argparse
import os
import re
import subprocess
import sys

# The functions of the public contract (docs/design.md; tests/headers/contract.c).
CONTRACT = """
terminus_ctx_new terminus_ctx_free terminus_version
terminus_strerror terminus_error_name terminus_error_last
terminus_at_exit terminus_exit
terminus_terminate_options_init terminus_terminate terminus_terminate_many
terminus_listen terminus_listener_free
terminus_logoff
terminus_server_open terminus_server_close
terminus_session_list terminus_session_list_free terminus_session_resolve
terminus_session_logoff
""".split()

API_RE = re.compile(r'\bTERMINUS_API\b[^;(]*?\b(terminus_\w+)\s*\(')


def strip_c_comments(text):
    return re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)


WIN32_ONLY_RE = re.compile(r'^\s*#\s*if\s+defined\s*\(?\s*_WIN32\b')


def without_win32_blocks(text):
    """The text without its `#if defined(_WIN32) ...` blocks (Windows only)."""
    kept, depth = [], 0  # depth > 0: inside such a block
    for line in text.splitlines():
        directive = line.strip().replace(' ', '')
        if depth:
            if directive.startswith('#if'):
                depth += 1
            elif directive.startswith('#endif'):
                depth -= 1
            continue
        if WIN32_ONLY_RE.match(line):
            depth = 1
            continue
        kept.append(line)
    return '\n'.join(kept)


def declared(include_dir, windows=True):
    """The TERMINUS_API names of the headers; without `windows`, not those
    declared in an `#if defined(_WIN32) ...` block."""
    names = set()
    for root, _dirs, files in os.walk(include_dir):
        for f in files:
            if f.endswith('.h'):
                with open(os.path.join(root, f), encoding='utf-8') as fh:
                    text = strip_c_comments(fh.read())
                if not windows:
                    text = without_win32_blocks(text)
                names.update(API_RE.findall(text))
    return names


def parse_map(path, problems):
    """{name: node} of the global names of a version script."""
    with open(path, encoding='utf-8') as fh:
        text = strip_c_comments(fh.read())
    text = re.sub(r'#[^\n]*', ' ', text)
    names = {}
    nodes = re.findall(r'([A-Za-z_][\w.]*)\s*\{(.*?)\}\s*([A-Za-z_][\w.]*)?\s*;', text, re.S)
    if not nodes:
        problems.append(f'{path}: no version node')
    hidden = False
    for node, body, _parent in nodes:
        scope = 'global'
        for tok in re.findall(r'[^\s;]+:|[^\s;]+(?=\s*;)', body):
            if tok.endswith(':'):
                scope = tok[:-1]
                continue
            if scope == 'local':
                if tok == '*':
                    hidden = True
                continue
            if tok in names:
                problems.append(f'{path}: {tok} listed twice')
            names[tok] = node
    if not hidden:
        problems.append(f'{path}: no "local: *;", so symbols not listed would be exported')
    return names


def parse_def(path, problems):
    names = []
    in_exports = False
    with open(path, encoding='utf-8') as fh:
        for line in fh:
            line = line.split(';', 1)[0].strip()
            if not line:
                continue
            if line.upper() == 'EXPORTS':
                in_exports = True
                continue
            if re.match(r'^(LIBRARY|NAME|DESCRIPTION|STACKSIZE|HEAPSIZE|SECTIONS|VERSION)\b',
                        line, re.I):
                in_exports = False
                continue
            if in_exports:
                names.append(line.split()[0].split('=')[0].split('@')[0])
    if not names:
        problems.append(f'{path}: no EXPORTS')
    for n in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f'{path}: {n} listed twice')
    return set(names)


def exported_nm(tool, lib, nodes):
    """{name: version} of the defined dynamic symbols ('' when unversioned);
    the version definitions themselves (absolute symbols named after a node)
    are left out."""
    out = subprocess.run([tool, '-D', '--defined-only', lib], check=True,
                         capture_output=True, text=True).stdout
    names = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        kind, sym = parts[1], parts[2]
        if kind == 'A' and sym in nodes:
            continue
        name, sep, version = sym.partition('@@')
        if not sep:
            name, _, version = sym.partition('@')
            version = '@' + version if version else ''   # a hidden (non-default) version
        names[name] = version
    return names


def exported_objdump(tool, lib):
    out = subprocess.run([tool, '-p', lib], check=True,
                         capture_output=True, text=True).stdout
    names = {}
    in_table = False
    for line in out.splitlines():
        if '[Ordinal/Name Pointer] Table' in line:
            in_table = True
            continue
        if in_table:
            m = re.match(r'\s*\[\s*\d+\]\s+(\S+)', line)
            if not m:
                if line.strip():
                    in_table = False
                continue
            names[m.group(1)] = ''
    return names


def compare(what, have, want, problems):
    for n in sorted(want - have):
        problems.append(f'{what}: lacks {n}, which the headers declare TERMINUS_API')
    for n in sorted(have - want):
        problems.append(f'{what}: has {n}, which no header declares TERMINUS_API')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--mode', choices=['nm', 'objdump'], required=True)
    ap.add_argument('--tool', default='')
    ap.add_argument('--lib', required=True)
    ap.add_argument('--include', required=True)
    ap.add_argument('--map', required=True)
    ap.add_argument('--def', dest='deffile', required=True)
    a = ap.parse_args()

    problems = []
    api_windows = declared(a.include, windows=True)  # the .def, the DLL
    api_elf = declared(a.include, windows=False)  # the map, the ELF library
    api = api_windows if a.mode == 'objdump' else api_elf
    if not api:
        problems.append(f'{a.include}: no TERMINUS_API function found')
    for n in sorted(set(CONTRACT) - api):
        problems.append(f'contract function not declared TERMINUS_API: {n}')

    mapped = parse_map(a.map, problems)
    compare(os.path.basename(a.map), set(mapped), api_elf, problems)
    compare(os.path.basename(a.deffile), parse_def(a.deffile, problems), api_windows, problems)

    if not a.tool:
        for p in problems:
            print(p)
        if problems:
            return 1
        print(f'SKIP: {a.mode} not found (the map and the .def agree with the headers)')
        return 77

    if a.mode == 'nm':
        exported = exported_nm(a.tool, a.lib, set(mapped.values()))
    else:
        exported = exported_objdump(a.tool, a.lib)
    lib = os.path.basename(a.lib)
    if not exported:
        problems.append(f'{lib}: no exported symbols found')
    compare(lib, set(exported), api, problems)
    if a.mode == 'nm':
        for n, version in sorted(exported.items()):
            if n in mapped and version != mapped[n]:
                problems.append(f'{lib}: {n} has version "{version}", the map says '
                                f'"{mapped[n]}" (name@@{mapped[n]})')

    for p in problems:
        print(p)
    print(f'{lib}: {len(exported)} exported; {len(api)} declared TERMINUS_API; '
          f'{os.path.basename(a.map)} {len(mapped)}; versions '
          f'{", ".join(sorted(set(mapped.values()))) or "none"}')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
