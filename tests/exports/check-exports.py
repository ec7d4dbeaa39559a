#!/usr/bin/env python3
"""Check the export table of the shared library: every name is terminus_*,
every TERMINUS_API function of the public headers is there, and so is every
function of the public contract (the functions tests/headers/contract.c pins).

usage: check-exports.py --mode nm|objdump --tool PATH --lib LIBRARY --include DIR
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


WIN32_ONLY_RE = re.compile(r'^\s*#\s*if\s+defined\s*\(?\s*_WIN32\b')


def declared(include_dir, windows):
    """The TERMINUS_API names of the headers; those declared inside an
    `#if defined(_WIN32) ...` block only when `windows`."""
    names = set()
    for root, _dirs, files in os.walk(include_dir):
        for f in files:
            if not f.endswith('.h'):
                continue
            with open(os.path.join(root, f), encoding='utf-8') as fh:
                text = fh.read()
            if not windows:
                kept, depth = [], 0  # depth > 0: inside a Windows-only block
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
                text = '\n'.join(kept)
            names.update(API_RE.findall(text))
    return names


def exported_nm(tool, lib):
    out = subprocess.run([tool, '-D', '--defined-only', lib], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            names.add(parts[2].split('@')[0])
    return names


def exported_objdump(tool, lib):
    out = subprocess.run([tool, '-p', lib], check=True,
                         capture_output=True, text=True).stdout
    names = set()
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
            names.add(m.group(1))
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--mode', choices=['nm', 'objdump'], required=True)
    ap.add_argument('--tool', default='')
    ap.add_argument('--lib', required=True)
    ap.add_argument('--include', required=True)
    a = ap.parse_args()
    if not a.tool:
        print(f'SKIP: {a.mode} not found')
        return 77

    if a.mode == 'nm':
        exported = exported_nm(a.tool, a.lib)
    else:
        exported = exported_objdump(a.tool, a.lib)
    api = declared(a.include, windows=a.mode == 'objdump')

    bad = sorted(n for n in exported if not n.startswith('terminus_'))
    missing_api = sorted(api - exported)
    missing_contract = sorted(set(CONTRACT) - exported)
    undeclared = sorted(n for n in exported if n.startswith('terminus_') and n not in api)

    ok = True
    if not exported:
        print(f'{a.lib}: no exported symbols found')
        ok = False
    for n in bad:
        print(f'exported but not terminus_*: {n}')
        ok = False
    for n in missing_contract:
        print(f'contract function not exported: {n}')
        ok = False
    for n in missing_api:
        if n not in missing_contract:
            print(f'TERMINUS_API function not exported: {n}')
            ok = False
    for n in undeclared:
        print(f'exported but not declared TERMINUS_API in include/: {n}')
        ok = False
    print(f'{os.path.basename(a.lib)}: {len(exported)} exported, '
          f'{len(api)} declared TERMINUS_API')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
