#!/usr/bin/env python3
"""Fail when a test program's table of cases and the tests meson registers
for it disagree (a case added in C but not in meson, or the other way).

    check-list.py --names NAME... --program PROG [--wine-path DIR]...
    check-list.py --names NAME... --files DIR --prefix PREFIX --suffix SUFFIX

--program: PROG --list prints the names of its cases, one a line (see
tests/common/check.h); they must be exactly the NAMEs meson registers. A
cross-built PROG runs through meson's exe wrapper ($MESON_EXE_WRAPPER, which
meson sets for such a test), with the --wine-path directories on WINEPATH so
that Wine finds the DLLs of the build tree.

--files: the files DIR/PREFIX*SUFFIX must be exactly DIR/PREFIX + NAME +
SUFFIX for the NAMEs meson registers (each program one test).

Exit 0 when they agree, 1 when not, 77 (skipped) when PROG cannot be run
here (a cross build without an exe wrapper).
"""
import argparse
import os
import shlex
import subprocess
import sys


def program_names(prog, wine_paths):
    cmd = [prog, '--list']
    env = dict(os.environ)
    wrapper = os.environ.get('MESON_EXE_WRAPPER', '')
    if wrapper:
        cmd = shlex.split(wrapper) + cmd
        if wine_paths:
            dirs = ['Z:' + os.path.abspath(d).replace('/', '\\') for d in wine_paths]
            env['WINEPATH'] = ';'.join(dirs + [p for p in env.get('WINEPATH', '').split(';') if p])
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=120)
    if p.returncode != 0:
        print(f'{" ".join(cmd)} failed ({p.returncode}):\n{p.stdout}{p.stderr}')
        return None
    return [line.strip() for line in p.stdout.splitlines() if line.strip()]


def file_names(directory, prefix, suffix):
    return [n[len(prefix):len(n) - len(suffix)] for n in sorted(os.listdir(directory))
            if n.startswith(prefix) and n.endswith(suffix) and len(n) > len(prefix) + len(suffix)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--names', nargs='+', required=True, help='the names meson registers')
    ap.add_argument('--program', help='a test program that prints its cases with --list')
    ap.add_argument('--wine-path', action='append', default=[],
                    help='a directory for WINEPATH when the program runs under Wine')
    ap.add_argument('--files', help='a directory of test programs, one file each')
    ap.add_argument('--prefix', default='')
    ap.add_argument('--suffix', default='')
    a = ap.parse_args()

    if a.program:
        what = os.path.basename(a.program)
        try:
            found = program_names(a.program, a.wine_path)
        except OSError as e:
            print(f'{what} cannot run here ({e}): skipped')
            return 77
        if found is None:
            return 1
        source = f'{what} --list'
    elif a.files:
        what = os.path.join(a.files, a.prefix + '*' + a.suffix)
        found = file_names(a.files, a.prefix, a.suffix)
        source = what
    else:
        ap.error('give --program or --files')

    status = 0
    for name in sorted({n for n in found if found.count(n) > 1}):
        print(f'{source}: {name} appears {found.count(name)} times')
        status = 1
    for name in sorted({n for n in a.names if a.names.count(n) > 1}):
        print(f'meson registers {name} {a.names.count(name)} times')
        status = 1
    for name in [n for n in found if n not in a.names]:
        print(f'{source} has {name}, which meson does not register (its meson.build)')
        status = 1
    for name in [n for n in a.names if n not in found]:
        print(f'meson registers {name}, which {source} does not have')
        status = 1
    if status == 0:
        print(f'{source}: {len(found)} names, the same as meson registers')
    return status


if __name__ == '__main__':
    sys.exit(main())
