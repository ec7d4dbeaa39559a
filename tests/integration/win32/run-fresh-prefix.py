#!/usr/bin/env python3
"""Run a Windows test program under Wine in a throwaway prefix.

    run-fresh-prefix.py --dll PATH/libterminus-0.dll [--path DIR]... -- PROGRAM.exe [ARGS...]

For tests that call ExitWindowsEx: a logoff ends the processes of the
prefix (with EWX_FORCE: every one, wineserver included), so such a test must
never run in the prefix other tests share. The prefix is made here (about
10 s: wineboot without Mono and Gecko, and the null graphics driver so that
hidden windows work without a display), the program runs with
TERMINUS_THROWAWAY_PREFIX=1 in its environment (the test refuses to log off
without it; with --no-graphics it is TERMINUS_NO_GRAPHICS=1 as well), and the prefix is killed and removed afterwards, whatever
happened. Exit code: the program's; 77 if Wine is missing.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dll', required=True, help='the terminus DLL (its directory goes on WINEPATH)')
    ap.add_argument('--path', action='append', default=[],
                    help='another directory for WINEPATH (e.g. where libgcc_s_seh-1.dll is)')
    ap.add_argument('--no-graphics', action='store_true',
                    help='leave out the null graphics driver (windows cannot be created)')
    ap.add_argument('--timeout', type=float, default=90)
    ap.add_argument('cmd', nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == '--' else a.cmd
    wine = shutil.which('wine')
    wineboot = shutil.which('wineboot')
    wineserver = shutil.which('wineserver')
    if not (wine and wineboot and wineserver):
        print('wine is not installed: skipped')
        return 77

    prefix = tempfile.mkdtemp(prefix='terminus-throwaway-wine-')
    env = dict(os.environ)
    env.update({
        'WINEPREFIX': prefix,
        'WINEDEBUG': '-all',
        'WINEDLLOVERRIDES': 'mscoree,mshtml=',
        'WINEPATH': ';'.join('Z:' + d.replace('/', '\\') for d in
                             [os.path.dirname(os.path.abspath(a.dll))] +
                             [os.path.abspath(p) for p in a.path if os.path.isdir(p)]),
    })
    env.pop('DISPLAY', None)
    try:
        quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([wineboot, '-i'], env=env, timeout=120, **quiet)
        subprocess.run([wineserver, '-w'], env=env, timeout=120)
        if not a.no_graphics:
            subprocess.run([wine, 'reg', 'add', r'HKCU\Software\Wine\Drivers', '/v', 'Graphics',
                            '/d', 'null', '/f'], env=env, timeout=60, **quiet)
        subprocess.run([wineserver, '-w'], env=env, timeout=60)
        env['TERMINUS_THROWAWAY_PREFIX'] = '1'
        if a.no_graphics:
            env['TERMINUS_NO_GRAPHICS'] = '1'
        try:
            p = subprocess.run([wine] + cmd, env=env, timeout=a.timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            print('timed out after %.0f s' % a.timeout)
            rc = 1
        return rc
    finally:
        subprocess.run([wineserver, '-k'], env=env, timeout=30)
        try:
            subprocess.run([wineserver, '-w'], env=env, timeout=30)
        except subprocess.TimeoutExpired:
            pass
        shutil.rmtree(prefix, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
