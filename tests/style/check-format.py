#!/usr/bin/env python3
"""Fail when a C file of the repository is not formatted as .clang-format says.

    check-format.py --clang-format PATH --source-root DIR

Checks every *.c and *.h file that git tracks (or, outside a git checkout,
every such file below DIR except build trees) with `clang-format --dry-run
--Werror`, and prints the files that differ. Exit 77 (skipped) when
clang-format 14 or later is missing.
"""
import argparse
import os
import re
import subprocess
import sys


def c_files(root):
    try:
        out = subprocess.run(['git', '-C', root, 'ls-files', '*.c', '*.h'], check=True,
                             capture_output=True, text=True).stdout.split()
        if out:
            return [os.path.join(root, f) for f in out]
    except (OSError, subprocess.CalledProcessError):
        pass
    found = []
    for top, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(('build', '.'))]
        found += [os.path.join(top, f) for f in files if f.endswith(('.c', '.h'))]
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--clang-format', default='')
    ap.add_argument('--source-root', required=True)
    args = ap.parse_args()
    tool = args.clang_format
    if not tool:
        print('clang-format not found: skipped')
        return 77
    version = subprocess.run([tool, '--version'], capture_output=True, text=True).stdout
    m = re.search(r'version (\d+)', version)
    if m is None or int(m.group(1)) < 14:
        print('clang-format 14 or later needed, found: ' + version.strip() + ': skipped')
        return 77
    bad = []
    for path in sorted(c_files(args.source_root)):
        r = subprocess.run([tool, '--dry-run', '--Werror', '--style=file', path],
                           capture_output=True, text=True, cwd=args.source_root)
        if r.returncode != 0:
            bad.append(os.path.relpath(path, args.source_root))
    for path in bad:
        print('not formatted: ' + path + '  (clang-format -i ' + path + ')')
    print('{} files checked, {} not formatted'.format(len(c_files(args.source_root)), len(bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
