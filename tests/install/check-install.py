#!/usr/bin/env python3
"""Install terminus into a fresh temporary directory (`meson install
--destdir`) and build programs against what was installed, as a user would.

One part per run (--part):

pkg-config
    the installed files are there; no .pc file uses the `-l:` syntax;
    tests/install/consumer.c is built and run four ways: terminus.pc
    (shared; run with LD_LIBRARY_PATH), terminus.pc with `cc -static` and
    `pkg-config --static --libs` (a fully static program: no interpreter, no
    shared library; its session functions must refuse, its process functions
    work), and terminus-static.pc (`--cflags --libs --static`: libterminus.a,
    no libterminus.so needed).
cmake
    a CMake project (tests/install/cmake) finds the installed package with
    find_package(terminus) and links one program with terminus::terminus and
    one with terminus::static, a third through
    pkg_check_modules(T REQUIRED IMPORTED_TARGET terminus); all three run.
    The version file refuses a newer version and another 0.x minor.
static-tkill
    examples/tkill.c built with `cc -static` against the installed
    libterminus.a (terminus.pc, --static) terminates a real child.

Every program built here terminates a real child it starts (Linux), besides
its checks over the fake OS. Exit 77 (skipped) when a tool the part needs
is missing (meson, pkg-config, the compiler; cmake for the cmake part).
"""
import argparse
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

WARN = ['-std=c11', '-Wall', '-Wextra', '-pedantic', '-Werror']


class Failed(Exception):
    pass


def run(cmd, env=None, cwd=None, show=True):
    """Run cmd; its output, or Failed with it."""
    print('+', shlex.join(cmd), flush=True)
    p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if show and (p.stdout.strip() or p.stderr.strip()):
        print((p.stdout + p.stderr).rstrip())
    if p.returncode != 0:
        if not show:
            print((p.stdout + p.stderr).rstrip())
        raise Failed(f'exit code {p.returncode}: {shlex.join(cmd)}')
    return p.stdout, p.stderr


def dynamic_info(exe):
    """(interpreter or None, [NEEDED libraries]) of an ELF file."""
    if not shutil.which('readelf'):
        return None, []
    out = subprocess.run(['readelf', '-l', '-d', '-W', exe], capture_output=True,
                         text=True).stdout
    interp = re.search(r'Requesting program interpreter: ([^\]]+)\]', out)
    needed = re.findall(r'\(NEEDED\)\s+Shared library: \[([^\]]+)\]', out)
    return interp.group(1) if interp else None, needed


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        raise Failed(what)


class Install:
    """terminus installed with --destdir under a fresh temporary directory."""

    def __init__(self, a, tmp):
        self.tmp = tmp
        self.dest = os.path.join(tmp, 'root')
        run([a.meson, 'install', '-C', a.build_dir, '--no-rebuild', '--quiet',
             '--destdir', self.dest])
        self.prefix = self.dest + a.prefix
        libdir = a.libdir if os.path.isabs(a.libdir) else os.path.join(a.prefix, a.libdir)
        self.libdir = self.dest + libdir
        self.pcdir = os.path.join(self.libdir, 'pkgconfig')
        self.env = dict(os.environ)
        self.env['PKG_CONFIG_PATH'] = os.pathsep.join(
            [self.pcdir] + ([self.env['PKG_CONFIG_PATH']] if self.env.get('PKG_CONFIG_PATH') else []))
        self.env['PKG_CONFIG_SYSROOT_DIR'] = self.dest
        self.pkg_config = a.pkg_config

    def pc(self, *args):
        return shlex.split(run([self.pkg_config] + list(args), self.env)[0])

    def run_env(self):
        return dict(os.environ, LD_LIBRARY_PATH=self.libdir)


# --- the parts ---------------------------------------------------------------------


def part_pkg_config(a, inst):
    major = a.version.split('.')[0]
    expect = [
        os.path.join(inst.prefix, 'include', 'terminus.h'),
        os.path.join(inst.prefix, 'include', 'terminus', 'common.h'),
        os.path.join(inst.prefix, 'include', 'terminus', 'version.h'),
        os.path.join(inst.prefix, 'include', 'terminus', 'sys', 'os.h'),
        os.path.join(inst.prefix, 'include', 'terminus', 'sys', 'fake.h'),
        os.path.join(inst.libdir, 'libterminus.so'),
        os.path.join(inst.libdir, f'libterminus.so.{major}'),
        os.path.join(inst.libdir, f'libterminus.so.{a.version}'),
        os.path.join(inst.libdir, 'libterminus.a'),
        os.path.join(inst.pcdir, 'terminus.pc'),
        os.path.join(inst.pcdir, 'terminus-static.pc'),
        os.path.join(inst.libdir, 'cmake', 'terminus', 'terminusConfig.cmake'),
        os.path.join(inst.libdir, 'cmake', 'terminus', 'terminusConfigVersion.cmake'),
    ]
    missing = [p for p in expect if not os.path.lexists(p)]
    for p in missing:
        print('not installed:', os.path.relpath(p, inst.dest))
    check(not missing, 'every file is installed')

    for name in ('terminus.pc', 'terminus-static.pc'):
        with open(os.path.join(inst.pcdir, name), encoding='utf-8') as fh:
            text = fh.read()
        print(f'--- {name}\n{text.rstrip()}\n---')
        check('-l:' not in text, f'{name} does not use the -l: syntax')
        check('systemd' not in text, f'{name} names no libsystemd (it is loaded at run time)')

    # Shared, through terminus.pc.
    cflags = inst.pc('--cflags', 'terminus')
    libs = inst.pc('--libs', 'terminus')
    exe = os.path.join(inst.tmp, 'consumer-shared')
    run(a.cc + WARN + cflags + [a.source, '-o', exe] + libs)
    _interp, needed = dynamic_info(exe)
    check(f'libterminus.so.{major}' in needed, f'consumer-shared needs libterminus.so.{major}')
    run([exe], inst.run_env())

    # Fully static, through terminus.pc: cc -static ... $(pkg-config --static --libs terminus).
    static_libs = inst.pc('--static', '--libs', 'terminus')
    check('-lterminus' in static_libs, 'pkg-config --static --libs terminus: -lterminus')
    check(any(f in static_libs for f in ('-pthread', '-lpthread')),
          'pkg-config --static --libs terminus: the threads flag (Libs.private)')
    exe = os.path.join(inst.tmp, 'consumer-fully-static')
    _out, err = run(a.cc + WARN + ['-static'] + cflags + [a.source, '-o', exe] + static_libs)
    interp, needed = dynamic_info(exe)
    check(interp is None and not needed,
          f'consumer-fully-static is fully static (interpreter {interp}, needs {needed})')
    run([exe, 'static'])

    # Static library, dynamic C library, through terminus-static.pc.
    cflags = inst.pc('--cflags', 'terminus-static')
    libs = inst.pc('--libs', '--static', 'terminus-static')
    check('-DTERMINUS_STATIC' in cflags, 'terminus-static.pc: Cflags carry -DTERMINUS_STATIC')
    exe = os.path.join(inst.tmp, 'consumer-static')
    run(a.cc + WARN + cflags + [a.source, '-o', exe] + libs)
    _interp, needed = dynamic_info(exe)
    check(not any('libterminus' in n for n in needed),
          f'consumer-static needs no libterminus.so (needs {needed})')
    run([exe])

    # A meson project: dependency('terminus'), ('terminus', static: true)
    # and ('terminus-static'), all through the installed .pc files.
    src = os.path.join(inst.tmp, 'meson-src')
    os.makedirs(src)
    shutil.copy(os.path.join(a.meson_project, 'meson.build'), src)
    shutil.copy(a.source, src)
    build = os.path.join(inst.tmp, 'meson-build')
    env = dict(inst.env, CC=shlex.join(a.cc))
    run([a.meson, 'setup', build, src], env, show=False)
    run([a.meson, 'compile', '-C', build], env, show=False)
    for name, shared in (('consumer-meson-shared', True), ('consumer-meson-static', False),
                         ('consumer-meson-static-pc', False)):
        exe = os.path.join(build, name)
        _interp, needed = dynamic_info(exe)
        if shared:
            check(f'libterminus.so.{major}' in needed, f'{name} needs libterminus.so.{major}')
        else:
            check(not any('libterminus' in n for n in needed),
                  f'{name} needs no libterminus.so (needs {needed})')
        run([exe], inst.run_env())


def part_cmake(a, inst):
    if not a.cmake:
        print('SKIP: cmake not found')
        return 77
    major, minor = (int(x) for x in a.version.split('.')[:2])
    build = os.path.join(inst.tmp, 'cmake-build')
    env = dict(inst.env, CC=a.cc[0])
    too_new = f'{major}.{minor + 1}' if major == 0 else f'{major + 1}.0'
    other_minor = f'{major}.{minor - 1}' if minor > 0 else f'{major}.{minor + 2}'
    run([a.cmake, '-S', a.cmake_project, '-B', build,
         f'-DCMAKE_PREFIX_PATH={inst.prefix}',
         f'-DTERMINUS_WANT={major}.{minor}',
         f'-DTERMINUS_TOO_NEW={too_new}',
         f'-DTERMINUS_OTHER_MINOR={other_minor}' if major == 0 else '-DTERMINUS_OTHER_MINOR=',
         '-DCMAKE_BUILD_TYPE=RelWithDebInfo'], env)
    out, _err = run([a.cmake, '--build', build, '--verbose'], env, show=False)
    compiles = [l for l in out.splitlines() if ' -c ' in l and 'consumer.c' in l]
    for name, static in (('consumer-cmake-shared', False), ('consumer-cmake-static', True),
                         ('consumer-cmake-pkg', False)):
        line = next((l for l in compiles if f'{name}.dir' in l), '')
        print(line)
        check(bool(line) and ('-DTERMINUS_STATIC' in line) == static,
              f'{name} is compiled {"with" if static else "without"} -DTERMINUS_STATIC')
    major_so = f'libterminus.so.{a.version.split(".")[0]}'
    for name in ('consumer-cmake-shared', 'consumer-cmake-static', 'consumer-cmake-pkg'):
        exe = os.path.join(build, name)
        _interp, needed = dynamic_info(exe)
        if name == 'consumer-cmake-static':
            check(not any('libterminus' in n for n in needed),
                  f'{name} needs no libterminus.so (needs {needed})')
        else:
            check(major_so in needed, f'{name} needs {major_so}')
        # The installed library, not one that might be on the system.
        run([exe], inst.run_env())
    return 0


def part_static_tkill(a, inst):
    cflags = inst.pc('--cflags', 'terminus')
    libs = inst.pc('--static', '--libs', 'terminus')
    exe = os.path.join(inst.tmp, 'tkill')
    _out, err = run(a.cc + WARN + ['-static'] + cflags + a.tkill_sources + ['-o', exe] + libs)
    others = [l for l in err.splitlines()
              if 'warning' in l and "Using 'dlopen' in statically linked" not in l]
    check(not others, 'the static link warns of nothing but glibc\'s static dlopen')
    interp, needed = dynamic_info(exe)
    check(interp is None and not needed,
          f'tkill is fully static (interpreter {interp}, needs {needed})')

    # A child that knows nothing of terminus: sleep, which SIGTERM ends.
    child = subprocess.Popen(['sleep', '600'])
    try:
        time.sleep(0.1)
        out, _err = run([exe, '/GRACE:10000', str(child.pid)])
        rc = child.wait(timeout=30)
        check(rc == -signal.SIGTERM, f'the child ended by SIGTERM (return code {rc})')
        check(f'pid {child.pid}: left when asked' in out, 'tkill says it left when asked')
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--part', choices=['pkg-config', 'cmake', 'static-tkill'], required=True)
    ap.add_argument('--meson', default='')
    ap.add_argument('--pkg-config', default='')
    ap.add_argument('--cmake', default='')
    ap.add_argument('--cmake-project', default='')
    ap.add_argument('--meson-project', default='')
    ap.add_argument('--build-dir', required=True)
    ap.add_argument('--prefix', required=True)
    ap.add_argument('--libdir', required=True)
    ap.add_argument('--source', required=True)
    ap.add_argument('--tkill-sources', nargs='*', default=[])
    ap.add_argument('--version', required=True)
    ap.add_argument('--cc', nargs='+', required=True)
    a = ap.parse_args()
    for tool, what in ((a.meson, 'meson'), (a.pkg_config, 'pkg-config'),
                       (shutil.which(a.cc[0]), a.cc[0])):
        if not tool:
            print(f'SKIP: {what} not found')
            return 77
    if a.part == 'cmake' and not a.cmake:
        print('SKIP: cmake not found')
        return 77

    tmp = tempfile.mkdtemp(prefix=f'terminus-install-{a.part}-')
    try:
        inst = Install(a, tmp)
        part = {'pkg-config': part_pkg_config, 'cmake': part_cmake,
                'static-tkill': part_static_tkill}[a.part]
        rc = part(a, inst)
        return rc or 0
    except Failed as e:
        print(f'FAILED: {e}')
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
