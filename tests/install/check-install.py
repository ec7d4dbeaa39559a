#!/usr/bin/env python3
"""`meson install --destdir` into a temporary directory, check the installed
files, then build tests/install/consumer.c against the installed headers and
libraries through pkg-config: once with terminus (shared; run with
LD_LIBRARY_PATH) and once with terminus-static (no libterminus.so needed).

Exit 77 (skipped) when meson, pkg-config or the compiler is missing.
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile


def run(cmd, env=None):
    print('+', shlex.join(cmd), flush=True)
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--meson', default='')
    ap.add_argument('--pkg-config', default='')
    ap.add_argument('--build-dir', required=True)
    ap.add_argument('--prefix', required=True)
    ap.add_argument('--libdir', required=True)
    ap.add_argument('--source', required=True)
    ap.add_argument('--version', required=True)
    ap.add_argument('--cc', nargs='+', required=True)
    a = ap.parse_args()
    for tool, what in ((a.meson, 'meson'), (a.pkg_config, 'pkg-config'),
                       (shutil.which(a.cc[0]), a.cc[0])):
        if not tool:
            print(f'SKIP: {what} not found')
            return 77

    tmp = tempfile.mkdtemp(prefix='terminus-install-')
    try:
        dest = os.path.join(tmp, 'root')
        run([a.meson, 'install', '-C', a.build_dir, '--no-rebuild', '--quiet',
             '--destdir', dest])
        root = dest + a.prefix
        libdir = a.libdir if os.path.isabs(a.libdir) else os.path.join(a.prefix, a.libdir)
        libdir = dest + libdir
        major = a.version.split('.')[0]
        expect = [
            os.path.join(root, 'include', 'terminus.h'),
            os.path.join(root, 'include', 'terminus', 'common.h'),
            os.path.join(root, 'include', 'terminus', 'version.h'),
            os.path.join(root, 'include', 'terminus', 'sys', 'os.h'),
            os.path.join(root, 'include', 'terminus', 'sys', 'fake.h'),
            os.path.join(libdir, 'libterminus.so'),
            os.path.join(libdir, f'libterminus.so.{major}'),
            os.path.join(libdir, f'libterminus.so.{a.version}'),
            os.path.join(libdir, 'libterminus.a'),
            os.path.join(libdir, 'pkgconfig', 'terminus.pc'),
            os.path.join(libdir, 'pkgconfig', 'terminus-static.pc'),
        ]
        missing = [p for p in expect if not os.path.lexists(p)]
        for p in missing:
            print('not installed:', os.path.relpath(p, dest))
        if missing:
            return 1

        env = dict(os.environ)
        env['PKG_CONFIG_PATH'] = os.pathsep.join(
            [os.path.join(libdir, 'pkgconfig')] + ([env['PKG_CONFIG_PATH']] if env.get('PKG_CONFIG_PATH') else []))
        env['PKG_CONFIG_SYSROOT_DIR'] = dest
        flags = ['-std=c11', '-Wall', '-Wextra', '-pedantic', '-Werror']

        # Shared.
        cflags = shlex.split(run([a.pkg_config, '--cflags', 'terminus'], env))
        libs = shlex.split(run([a.pkg_config, '--libs', 'terminus'], env))
        exe = os.path.join(tmp, 'consumer-shared')
        run(a.cc + flags + cflags + [a.source, '-o', exe] + libs)
        renv = dict(os.environ, LD_LIBRARY_PATH=libdir)
        print(run([exe], renv))

        # Static: must not need libterminus.so at all.
        cflags = shlex.split(run([a.pkg_config, '--cflags', 'terminus-static'], env))
        libs = shlex.split(run([a.pkg_config, '--static', '--libs', 'terminus-static'], env))
        if '-DTERMINUS_STATIC' not in cflags:
            print('terminus-static.pc: Cflags lack -DTERMINUS_STATIC:', cflags)
            return 1
        exe = os.path.join(tmp, 'consumer-static')
        run(a.cc + flags + cflags + [a.source, '-o', exe] + libs)
        needed = run(['readelf', '-d', exe]) if shutil.which('readelf') else ''
        if 'libterminus' in needed:
            print('the static consumer needs libterminus.so:\n' + needed)
            return 1
        print(run([exe]))
        return 0
    except subprocess.CalledProcessError as e:
        print(f'failed ({e.returncode}): {shlex.join(e.cmd)}')
        print(e.stdout, e.stderr, sep='\n')
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
