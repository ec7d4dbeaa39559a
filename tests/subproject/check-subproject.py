#!/usr/bin/env python3
"""Configure, build and run tests/subproject/ (a consumer project) with this
source tree as its subprojects/terminus (a symlink), in a scratch directory.

Exit 77 (skipped) when meson is missing.
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys


def run(cmd, env=None):
    print('+', shlex.join(cmd), flush=True)
    subprocess.run(cmd, env=env, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--meson', default='')
    ap.add_argument('--source-root', required=True)
    ap.add_argument('--consumer', required=True)
    ap.add_argument('--work', required=True)
    ap.add_argument('--cc', required=True)
    a = ap.parse_args()
    if not a.meson:
        print('SKIP: meson not found')
        return 77

    shutil.rmtree(a.work, ignore_errors=True)
    src = os.path.join(a.work, 'src')
    os.makedirs(os.path.join(src, 'subprojects'))
    for name in ('meson.build', 'main.c'):
        shutil.copy(os.path.join(a.consumer, name), src)
    os.symlink(os.path.abspath(a.source_root), os.path.join(src, 'subprojects', 'terminus'))

    env = dict(os.environ, CC=a.cc)
    build = os.path.join(a.work, 'build')
    try:
        run([a.meson, 'setup', build, src], env)
        run([a.meson, 'compile', '-C', build], env)
        for exe in ('consumer-shared', 'consumer-static'):
            run([os.path.join(build, exe)])
    except subprocess.CalledProcessError as e:
        print(f'failed ({e.returncode}): {shlex.join(e.cmd)}')
        return 1
    shutil.rmtree(a.work, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
