#!/usr/bin/env python3
"""The example programs (tkill, logoff, sessions, listener) against real
processes: suite 'examples'.

    check_examples.py NAME --bin DIR [--template logind_template.py]
                      [--wine-run cross/wine64-run --dll libterminus-0.dll]

Native (Linux) tests:
  listener  listener asked to leave by tkill: EXITED, data saved, exit code kept
  stubborn  a process that ignores SIGTERM: FORCED after /grace:1000, tkill exits 0
  steps     tkill's close chain on Linux: --signal=INT ends a program that cleans
            up on Ctrl+C, --steps=hup,term sends SIGTERM then SIGHUP half a grace
            later, the default is SIGTERM alone; /V shows each step, and each
            report line says which step ended the process (or already gone)
  badinput  tkill 0, junk, nothing, bad steps: exit 2 and a message; nothing signalled
  usage     logoff /?, logoff 1 2, sessions /?, sessions junk: codes and messages
  logind    sessions and logoff against a logind mock on a private bus
            (dbus-daemon + python3-dbusmock; 77 when missing)
Under Wine (the cross build, the .exe programs through cross/wine64-run):
  wine-listener  listener.exe asked to leave by tkill.exe: EXITED, data saved
  wine-stubborn  Wine's notepad.exe (knows nothing of terminus): the default close
                 chain ends it by WM_CLOSE, inside the grace; with
                 /steps:message /broadcast (terminus 0.1's request) it is FORCED
  wine-badinput  tkill.exe 0: exit 2
  wine-logoff    logoff.exe 12, logoff.exe /v: exit 1 and a clear message
                 (Wine stubs wtsapi32); logoff.exe /?, sessions.exe
Exit code 0 = pass, 1 = fail, 77 = skipped.
"""
import argparse
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
A = None          # the parsed arguments
WINE = False


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)
    print(f'ok: {what}')


def exe(name):
    path = os.path.join(A.bin, name + ('.exe' if WINE else ''))
    if not os.path.exists(path):
        raise Fail(f'{path} is not built')
    return path


def cmd(name, *args):
    c = [exe(name)] + [str(a) for a in args]
    return [A.wine_run] + c if WINE else c


def run(name, *args, timeout=20, **kw):
    c = cmd(name, *args)
    print('$ ' + ' '.join(os.path.basename(x) if i == 0 or (WINE and i == 1) else x
                          for i, x in enumerate(c)))
    p = subprocess.run(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                       text=True, **kw)
    out, err = p.stdout.replace('\r', ''), p.stderr.replace('\r', '')
    for line in (out + err).splitlines():
        print('  | ' + line)
    print(f'  exit {p.returncode}')
    return p.returncode, out, err


def read_line(proc, pattern, timeout):
    """Read proc's stdout until a line matches pattern; the match, or None."""
    buf = b''
    end = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
        if not r:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        buf += chunk
        for line in buf.decode(errors='replace').replace('\r', '').splitlines():
            m = re.match(pattern, line)
            if m:
                return m
    print('  output so far: ' + buf.decode(errors='replace'))
    return None


def windows_path(path):
    return 'Z:' + os.path.abspath(path).replace('/', '\\')


# --- the listener, asked to leave ---------------------------------------------

def t_listener(tmp):
    data = os.path.join(tmp, 'data.txt')
    proc = subprocess.Popen(cmd('listener', windows_path(data) if WINE else data, 7),
                            stdout=subprocess.PIPE)
    try:
        m = read_line(proc, r'^ready (\d+)$', 30 if WINE else 10)
        check(m is not None, 'the listener is ready')
        pid = int(m.group(1))
        if not WINE:
            check(pid == proc.pid, 'it printed its own pid')
        time.sleep(0.3)
        rc, out, _ = run('tkill', '/grace:2000', pid)
        check(rc == 0, 'tkill exits 0')
        mm = re.search(r'left when asked, after ([0-9.]+) ms \(exit code (\w+)\)', out)
        check(mm is not None, 'tkill says it left when asked (EXITED)')
        check(float(mm.group(1)) < 2000, 'within the grace period')
        check(mm.group(2) in ('7', 'unknown'), 'the exit code is 7 (or unknown to a non-parent)')
        check(proc.wait(timeout=10) == 7, 'the listener exited with its exit code, 7')
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with open(data) as f:
        saved = f.read().strip()
    print('  data file: ' + saved)
    check(re.match(r'^saved \d+ edits \(asked to leave\)$', saved) is not None, 'its data was saved')


# --- a stubborn process, forced -----------------------------------------------

def t_stubborn(tmp):
    # an ignored SIGTERM survives exec: sleep ignores it too
    proc = subprocess.Popen(['bash', '-c', 'trap "" TERM; exec sleep 600'])
    try:
        for _ in range(250):
            try:
                with open(f'/proc/{proc.pid}/comm') as f:
                    if f.read().strip() == 'sleep':
                        break
            except OSError:
                pass
            time.sleep(0.02)
        check(proc.poll() is None, 'the stubborn process runs')
        rc, out, _ = run('tkill', '/grace:1000', proc.pid)
        check(rc == 0, 'tkill exits 0 (the process ended)')
        mm = re.search(r'killed after ([0-9.]+) ms', out)
        check(mm is not None, 'tkill says it killed it (FORCED)')
        ms = float(mm.group(1))
        check(1000 <= ms < 3000, f'after the grace period ({ms} ms)')
        check(re.search(r'killed after .*\[ended by: kill\]$', out, re.M) is not None,
              'and that the kill ended it')
        check(proc.wait(timeout=5) == -signal.SIGKILL, 'it died of SIGKILL')
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- the close chain: tkill's steps on Linux ----------------------------------

# A Python program that notes every SIGTERM, SIGINT and SIGHUP it gets in LOG;
# the signals named in argv[2] (e.g. "INT") end it: it writes "cleaned" to LOG
# and dies of that signal; the others it ignores. Prints "ready" when set.
CHAIN_CHILD = r"""
import os, signal, sys, time
log, ends = sys.argv[1], set(sys.argv[2].split(',')) - {''}
def on(sig, frame):
    name = signal.Signals(sig).name[3:]
    with open(log, 'a') as f:
        f.write('signal ' + name + '\n')
        if name in ends:
            f.write('cleaned\n')
    if name in ends:
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, on)
print('ready', flush=True)
while True:
    time.sleep(1)
"""


def chain_child(tmp, name, ends):
    log = os.path.join(tmp, name + '.log')
    proc = subprocess.Popen([sys.executable, '-c', CHAIN_CHILD, log, ends], stdout=subprocess.PIPE)
    check(read_line(proc, r'^ready$', 10) is not None, f'the {name} child is ready')
    return proc, log


def read_log(log):
    try:
        with open(log) as f:
            return f.read()
    except OSError:
        return ''


def verbose_steps(out, pid):
    """[(ms, what)] of tkill /V's lines about pid."""
    return [(float(m.group(1)), m.group(2))
            for m in re.finditer(r'^\[\s*([0-9.]+) ms\] pid ' + str(pid) + r': (.*)$', out, re.M)]


def t_steps(tmp):
    procs = []
    try:
        # --signal=INT: a program that cleans up on Ctrl+C and ignores SIGTERM
        proc, log = chain_child(tmp, 'int', 'INT')
        procs.append(proc)
        rc, out, _ = run('tkill', '--signal=INT', '/V', '/grace:5000', proc.pid)
        check(rc == 0, 'tkill --signal=INT exits 0')
        check(re.search(r'left when asked, after [0-9.]+ ms \(exit code (130|unknown)\) '
                        r'\[ended by: SIGINT\]$', out, re.M) is not None,
              'it left when asked, ended by SIGINT')
        steps = verbose_steps(out, proc.pid)
        check([w for _, w in steps] == ['SIGINT sent', 'ended'], f'/V: SIGINT sent, ended ({steps})')
        check(proc.wait(timeout=10) == -signal.SIGINT, 'it died of SIGINT')
        check(read_log(log) == 'signal INT\ncleaned\n', 'it cleaned up; no SIGTERM was sent')

        # --steps=hup,term: SIGTERM first, SIGHUP half the grace later
        proc, log = chain_child(tmp, 'hup', 'HUP')
        procs.append(proc)
        rc, out, _ = run('tkill', '--steps=hup,term', '-v', '--grace=1000', proc.pid)
        check(rc == 0, 'tkill --steps=hup,term exits 0')
        steps = verbose_steps(out, proc.pid)
        check([w for _, w in steps] == ['SIGTERM sent', 'SIGHUP sent', 'ended'],
              f'/V: SIGTERM sent, SIGHUP sent, ended ({steps})')
        if len(steps) == 3:
            gap = steps[1][0] - steps[0][0]
            check(500 <= gap < 1000, f'SIGHUP half the grace after SIGTERM ({gap:.1f} ms)')
        check(re.search(r'left when asked, .*\[ended by: SIGHUP\]$', out, re.M) is not None,
              'it left when asked, ended by SIGHUP')
        check(proc.wait(timeout=10) == -signal.SIGHUP, 'it died of SIGHUP')
        check(read_log(log) == 'signal TERM\nsignal HUP\ncleaned\n', 'SIGTERM, then SIGHUP')

        # the default chain: SIGTERM alone; the Windows steps are skipped
        proc, log = chain_child(tmp, 'default', 'INT,HUP')
        procs.append(proc)
        rc, out, _ = run('tkill', '/V', '/grace:500', proc.pid)
        check(rc == 0, 'tkill /V exits 0')
        steps = [w for _, w in verbose_steps(out, proc.pid)]
        check('SIGTERM sent' in steps and 'kill sent' in steps and 'ended' in steps,
              f'/V: SIGTERM sent, kill sent, ended ({steps})')
        check(any(w.startswith('close skipped: ') for w in steps) and
              any(w.startswith('console skipped: ') for w in steps),
              'the Windows steps are shown skipped, with why')
        check(not any(w.startswith(('SIGINT', 'SIGHUP')) for w in steps), 'nor SIGINT nor SIGHUP')
        check(re.search(r'killed after ([0-9.]+) ms .*\[ended by: kill\]$', out, re.M) is not None,
              'killed after the grace, ended by the kill')
        check(proc.wait(timeout=10) == -signal.SIGKILL, 'it died of SIGKILL')
        check(read_log(log) == 'signal TERM\n', 'SIGTERM only')

        # already gone: a zombie (its parent, this script, has not reaped it)
        proc = subprocess.Popen([sys.executable, '-c', 'pass'])
        procs.append(proc)
        for _ in range(500):
            try:
                with open(f'/proc/{proc.pid}/stat') as f:
                    if f.read().rsplit(')', 1)[1].split()[0] == 'Z':
                        break
            except OSError:
                break
            time.sleep(0.01)
        rc, out, _ = run('tkill', '/V', proc.pid)
        check(rc == 0, 'tkill of a zombie exits 0')
        check(re.search(r'had already exited \(exit code (0|unknown)\) \[ended by: already gone\]$',
                        out, re.M) is not None, 'it had already exited: already gone')
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def notepads():
    env = dict(os.environ)
    p = subprocess.run(['wine', 'wmic', 'process', 'get', 'name,processid'], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
    text = p.stdout.decode('utf-16', errors='replace') if p.stdout[:2] == b'\xff\xfe' \
        else p.stdout.replace(b'\0', b'').decode(errors='replace')
    pids = set()
    for line in text.splitlines():
        f = line.split()
        if len(f) == 2 and f[0].lower() == 'notepad.exe' and f[1].isdigit():
            pids.add(int(f[1]))
    return pids


def start_notepad():
    before = notepads()
    proc = subprocess.Popen([A.wine_run, 'notepad.exe'], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    new = set()
    for _ in range(60):
        new = notepads() - before
        if new:
            break
        time.sleep(0.2)
    check(len(new) == 1, 'notepad.exe runs')
    time.sleep(0.3)
    return proc, new.pop()


def t_wine_stubborn(tmp):
    # the default chain: WM_CLOSE ends it, as taskkill without /F would
    proc, pid = start_notepad()
    try:
        rc, out, _ = run('tkill', '/grace:1000', pid)
        check(rc == 0, 'tkill.exe exits 0 (the process ended)')
        check(re.search(r'left when asked.*\[ended by: close\]$', out, re.M) is not None,
              'tkill.exe says it left when asked, ended by close')
        check(proc.wait(timeout=10) == 0, 'notepad.exe ended by itself (exit code 0)')
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # terminus 0.1's request (the message, broadcast), which notepad does not hear: FORCED
    proc, pid = start_notepad()
    try:
        rc, out, _ = run('tkill', '/grace:1000', '/steps:message', '/broadcast', pid)
        check(rc == 0, 'tkill.exe exits 0 (the process ended)')
        mm = re.search(r'killed after ([0-9.]+) ms \(exit code 1\)', out)
        check(mm is not None, 'tkill.exe says it killed it (FORCED, exit code 1)')
        ms = float(mm.group(1))
        check(1000 <= ms < 4000, f'after the grace period ({ms} ms)')
        check(proc.wait(timeout=10) == 1, 'notepad.exe ended with the forced exit code 1')
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- bad input ----------------------------------------------------------------

def t_badinput(tmp):
    # A bystander in the process group tkill joins: were pid 0 (the caller's
    # group) signalled, it would die (and tkill with it).
    bystander = subprocess.Popen(['sleep', '60'], preexec_fn=os.setpgrp)
    try:
        rc, out, err = run('tkill', '/grace:100', 0, preexec_fn=lambda: os.setpgid(0, bystander.pid))
        check(rc == 2, 'tkill 0 exits 2')
        check(err.startswith('tkill: ') and len(err.strip()) > 7, 'with a message')
        check('left when asked' not in out and 'killed' not in out, 'and no result line')
        time.sleep(0.2)
        check(bystander.poll() is None, 'nothing in its process group was signalled')
    finally:
        bystander.kill()
        bystander.wait()
    rc, _, err = run('tkill', 'abc')
    check(rc == 2 and "'abc' is not a process id" in err, 'tkill abc: exit 2, not a process id')
    rc, _, err = run('tkill')
    check(rc == 2 and 'no process id given' in err, 'tkill alone: exit 2, no process id given')
    rc, _, err = run('tkill', '/F', '/nowait', 123)
    check(rc == 2 and 'cannot be used together' in err, 'tkill /F /nowait: exit 2')
    rc, out, _ = run('tkill', '/?')
    check(rc == 0 and 'TKILL' in out, 'tkill /?: exit 0, usage')
    check('/STEPS:list' in out and '--signal=SIG' in out and '/BROADCAST' in out and '/V' in out,
          'the usage names /STEPS, --signal, /BROADCAST and /V')
    check(re.search(r'Exit code: 0 .*\n1 .*, 2 for bad usage', out) is not None,
          'and the exit codes 0, 1 and 2')
    bad_steps = (
        (['--steps=bogus'], "unknown step 'bogus'"),
        (['/STEPS:int,,term'], "unknown step '' in '/STEPS:int,,term'"),
        (['/steps:'], 'needs steps'),
        (['--steps'], 'needs steps'),
        (['--signal=KILL'], 'the signal is TERM, INT or HUP'),
        (['--signal'], 'needs a signal'),
    )
    for args, says in bad_steps:
        rc, out, err = run('tkill', *(args + [123] if args not in (['--steps'], ['--signal']) else [123] + args))
        check(rc == 2 and says in err and 'TKILL' in err and out == '',
              f'tkill {args}: exit 2, "{says}", the usage; nothing done')


def t_wine_badinput(tmp):
    rc, out, err = run('tkill', '/grace:100', 0)
    check(rc == 2 and err.startswith('tkill: '), 'tkill.exe 0: exit 2 and a message')
    check('left when asked' not in out and 'killed' not in out, 'and no result line')


# --- usage --------------------------------------------------------------------

def t_usage(tmp):
    rc, out, _ = run('logoff', '/?')
    check(rc == 0 and 'LOGOFF [sessionname | sessionid]' in out, 'logoff /?: exit 0, usage')
    rc, out, _ = run('logoff', '--help')
    check(rc == 0 and 'LOGOFF' in out, 'logoff --help: exit 0, usage')
    rc, _, err = run('logoff', '1', '2')
    check(rc == 1 and 'Invalid parameter(s)' in err and 'LOGOFF' in err,
          'logoff 1 2: exit 1, Invalid parameter(s), usage')
    rc, _, err = run('logoff', '/bogus')
    check(rc == 1 and "Invalid parameter(s): '/bogus'" in err, 'logoff /bogus: exit 1')
    rc, out, _ = run('sessions', '/?')
    check(rc == 0 and 'SESSIONS [/SERVER:servername]' in out, 'sessions /?: exit 0, usage')
    rc, _, err = run('sessions', 'junk')
    check(rc == 1 and "Invalid parameter(s): 'junk'" in err, 'sessions junk: exit 1')
    rc, _, err = run('sessions', '--server')
    check(rc == 1 and 'needs a server name' in err, 'sessions --server (no name): exit 1')
    rc, _, err = run('sessions', '/server:bad name')
    check(rc == 1 and 'TERMINUS_E_INVALID' in err, 'sessions /server:"bad name": exit 1, E_INVALID')
    # An empty, missing or option-like server name is bad usage in every
    # spelling (the library would read "" as this machine): exit 1, as every
    # usage error of logoff and sessions, a message naming the fault, the usage.
    bad_servers = (
        (['--server', ''], 'needs a server name, not an empty one'),
        (['--SERVER', ''], 'needs a server name, not an empty one'),
        (['--server'], 'needs a server name'),
        (['--server', '/v'], "needs a server name, not the option '/v'"),
        (['--server', '-v'], "needs a server name, not the option '-v'"),
        (['--server', '--help'], "needs a server name, not the option '--help'"),
        (['/server:'], "missing server name in '/server:'"),
        (['/SERVER:'], "missing server name in '/SERVER:'"),
        (['--server='], "missing server name in '--server='"),
        (['/server:/v'], "server name in '/server:/v' starts like an option"),
        (['--server=-x'], "server name in '--server=-x' starts like an option"),
    )
    for args, says in bad_servers:
        for prog, usage, extra in (('logoff', 'LOGOFF', ['5']), ('sessions', 'SESSIONS', [])):
            full = args + extra if args != ['--server'] else extra + args
            rc, out, err = run(prog, *full)
            check(rc == 1 and says in err and usage in err and out == '',
                  f'{prog} {full}: exit 1, "{says}", the usage')


# --- logind mock --------------------------------------------------------------

BUS_CONF = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={path}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
'''


def dbus_send(env, *args):
    return subprocess.run(['dbus-send', '--system', '--print-reply'] + list(args), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)


def mock_owned(env):
    p = dbus_send(env, '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus',
                  'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.login1')
    return p.returncode == 0 and 'boolean true' in p.stdout


def session_rows(out):
    """{name: (id, state, user)} from the output of sessions."""
    rows = {}
    for line in out.splitlines()[1:]:
        f = line.split()
        if len(f) >= 3 and f[0].isdigit():
            rows[f[1]] = (int(f[0]), f[2], f[3] if len(f) > 3 else '')
    return rows


def t_logind(tmp):
    if not (os.access('/usr/bin/dbus-daemon', os.X_OK) and shutil.which('dbus-send')):
        print('skipped: dbus-daemon or dbus-send missing')
        return SKIP
    if subprocess.run(['/usr/bin/python3', '-c', 'import dbusmock'],
                      stderr=subprocess.DEVNULL).returncode != 0:
        print('skipped: python3-dbusmock missing')
        return SKIP
    bus = os.path.join(tmp, 'bus')
    with open(os.path.join(tmp, 'bus.conf'), 'w') as f:
        f.write(BUS_CONF.format(path=bus))
    env = dict(os.environ)
    env['DBUS_SYSTEM_BUS_ADDRESS'] = 'unix:path=' + bus
    procs = []
    try:
        procs.append(subprocess.Popen(['/usr/bin/dbus-daemon', '--config-file=' + os.path.join(tmp, 'bus.conf'),
                                       '--nofork', '--nopidfile'],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for _ in range(250):
            if os.path.exists(bus):
                break
            time.sleep(0.02)
        check(os.path.exists(bus), 'the private dbus-daemon runs')
        mock_log = open(os.path.join(tmp, 'mock.log'), 'w')
        procs.append(subprocess.Popen(['/usr/bin/python3', '-m', 'dbusmock', '--system',
                                       '--template', A.template], env=env,
                                      stdout=mock_log, stderr=subprocess.STDOUT))
        for _ in range(200):
            if mock_owned(env):
                break
            time.sleep(0.05)
        if not mock_owned(env):
            with open(os.path.join(tmp, 'mock.log')) as f:
                print(f.read())
        check(mock_owned(env), 'the logind mock runs')
        for sid, uid, user, active in (('3', 1000, 'alice', 'true'), ('c1', 1003, 'dave', 'false'),
                                       ('c2', 1001, 'bob', 'false'), ('c3', 1004, 'erin', 'false'),
                                       ('7', 1002, 'carol', 'false')):
            p = dbus_send(env, '--dest=org.freedesktop.login1', '/org/freedesktop/login1',
                          'org.freedesktop.DBus.Mock.AddSession', 'string:' + sid, 'string:seat0',
                          f'uint32:{uid}', 'string:' + user, 'boolean:' + active)
            check(p.returncode == 0, f'AddSession {sid}')

        rc, out, _ = run('sessions', env=env)
        check(rc == 0 and out.split()[:4] == ['ID', 'NAME', 'STATE', 'USER'], 'sessions: exit 0, the header')
        rows = session_rows(out)
        check(rows.get('3') == (3, 'Active', 'alice'), 'session 3: alice, active')
        check(rows.get('7') == (7, 'Connected', 'carol'), 'session 7: carol, connected')
        check('c2' in rows and rows['c2'][2] == 'bob' and 'c1' in rows and 'c3' in rows,
              'c1, c2 (bob) and c3 are listed')

        # The id `sessions` printed for c2 names c2 in the next process, after
        # c1 (listed before it) has ended; c3 is untouched.
        c2_id, c3_id = rows['c2'][0], rows['c3'][0]
        rc, out, _ = run('logoff', 'c1', env=env)
        check(rc == 0, 'logoff c1: exit 0')
        rc, out, _ = run('logoff', c2_id, '/v', env=env)
        check(rc == 0 and f'Logging off session ID {c2_id}' in out,
              f'logoff {c2_id} (the id printed for c2) /v: exit 0, says what it does')
        rc, out, _ = run('sessions', env=env)
        rows = session_rows(out)
        check(rc == 0 and 'c1' not in rows and 'c2' not in rows, 'c1 and c2 are gone')
        check(rows.get('c3', (0,))[0] == c3_id, 'c3 is still there, with the same id')
        check('3' in rows and '7' in rows, '3 and 7 stay')
        check(c2_id == 0x80000002 and c3_id == 0x80000003, 'c2 and c3 had the ids 0x80000002 and 0x80000003')

        rc, out, _ = run('logoff', 'C3', '/v', env=env)
        check(rc == 0 and 'Logging off session ID' in out, 'logoff C3 /v: exit 0, by its name')
        rc, out, _ = run('sessions', env=env)
        rows = session_rows(out)
        check(rc == 0 and set(rows) == {'3', '7'}, 'c3 is gone, 3 and 7 stay')

        # An empty server name is bad usage, not this machine: 7 stays.
        rc, _, err = run('logoff', '--server', '', '7', env=env)
        check(rc == 1 and 'not an empty one' in err, 'logoff --server "" 7: exit 1, bad usage')
        rc, _, err = run('logoff', '/server:', '7', env=env)
        check(rc == 1 and 'missing server name' in err, 'logoff /server: 7: exit 1, bad usage')
        rc, out, _ = run('sessions', env=env)
        check('7' in session_rows(out), 'the local session 7 was not logged off')

        rc, out, _ = run('logoff', '7', env=env)
        check(rc == 0 and out == '', 'logoff 7: exit 0, silent without /v')
        rc, out, _ = run('sessions', env=env)
        check(rc == 0 and set(session_rows(out)) == {'3'}, 'only 3 is left')

        rc, _, err = run('logoff', '999', env=env)
        check(rc == 1 and 'Session 999 not found.' in err, 'logoff 999: exit 1, not found')
        rc, _, err = run('logoff', 'nosuch', env=env)
        check(rc == 1 and 'Session nosuch not found.' in err, 'logoff nosuch: exit 1, not found')
        rc, out, _ = run('sessions', env=env)
        check(set(session_rows(out)) == {'3'}, 'nothing else was logged off')

        p = dbus_send(env, '--dest=org.freedesktop.login1', '/org/freedesktop/login1',
                      'org.freedesktop.DBus.Mock.DenyTerminate', 'string:3')
        check(p.returncode == 0, 'the mock denies logging off 3')
        rc, _, err = run('logoff', '3', env=env)
        check(rc == 1 and 'TERMINUS_E_ACCESS_DENIED' in err, 'logoff 3: exit 1, access denied')
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    # the bus gone: a clear error
    rc, _, err = run('sessions', env=env)
    check(rc == 1 and 'TERMINUS_E_UNAVAILABLE' in err, 'no bus: sessions exits 1, E_UNAVAILABLE')
    return 0


# --- Wine's wtsapi32 ----------------------------------------------------------

def t_wine_logoff(tmp):
    # First make sure this Wine stubs wtsapi32 (its session list is empty,
    # which terminus reports as UNSUPPORTED): only then is `logoff /v`, which
    # logs off the current session of the shared prefix, harmless here.
    rc, out, err = run('sessions')
    wts_stubbed = rc == 1 and 'TERMINUS_E_UNSUPPORTED' in err
    check(wts_stubbed or (rc == 0 and out.startswith('ID')),
          'sessions.exe: UNSUPPORTED (Wine stubs WTS) or a list')
    rc, out, err = run('logoff', '12')
    # Wine's WTSEnumerateSessionsW lists no session: 12 is not found; were it
    # listed, WTSLogoffSession would say UNSUPPORTED
    check(rc == 1 and ('Session 12 not found.' in err or 'TERMINUS_E_UNSUPPORTED' in err),
          'logoff.exe 12: exit 1, not found or unsupported')
    if wts_stubbed:
        rc, out, err = run('logoff', '/v')
        check(rc == 1 and 'TERMINUS_E_UNSUPPORTED' in err and 'Wine' in err,
              'logoff.exe /v: exit 1, TERMINUS_E_UNSUPPORTED, saying Wine stubs it')
        check('Logging off the current session' in out, 'and /v said what it tried')
    else:
        print('this Wine implements WTS sessions: logoff.exe /v not run in the shared prefix')
    rc, out, _ = run('logoff', '/?')
    check(rc == 0 and 'LOGOFF' in out, 'logoff.exe /?: exit 0, usage')
    rc, _, err = run('logoff', 'TERM04', '/server:WF12')
    check(rc == 1 and err != '', 'logoff.exe TERM04 /server:WF12: exit 1 and a message')


TESTS = {
    'listener': (t_listener, False),
    'stubborn': (t_stubborn, False),
    'steps': (t_steps, False),
    'badinput': (t_badinput, False),
    'usage': (t_usage, False),
    'logind': (t_logind, False),
    'wine-listener': (t_listener, True),
    'wine-stubborn': (t_wine_stubborn, True),
    'wine-badinput': (t_wine_badinput, True),
    'wine-logoff': (t_wine_logoff, True),
}


def main():
    global A, WINE
    ap = argparse.ArgumentParser()
    ap.add_argument('name', choices=sorted(TESTS))
    ap.add_argument('--bin', required=True, help='the directory of the example programs')
    ap.add_argument('--template', help='the logind mock template')
    ap.add_argument('--wine-run', help='cross/wine64-run')
    ap.add_argument('--dll', help='libterminus-0.dll (its directory goes on WINEPATH)')
    A = ap.parse_args()
    fn, WINE = TESTS[A.name]
    if WINE:
        if not A.wine_run or not shutil.which('wine'):
            print('skipped: wine is not installed')
            return SKIP
        os.environ['WINEPATH'] = windows_path(os.path.dirname(os.path.abspath(A.dll)))
        os.environ.setdefault('WINEDEBUG', '-all')
        os.environ.setdefault('WINEDLLOVERRIDES', 'mscoree,mshtml=')
        # the prefix cross/wine64-run uses
        os.environ['WINEPREFIX'] = os.environ.get('TERMINUS_WINEPREFIX') or os.path.join(
            os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'), 'terminus', 'wineprefix')
        if subprocess.run([A.wine_run, '--init']).returncode != 0:
            print('cannot create the Wine prefix')
            return 1
        # the wineserver and Wine's services started now, detached from our
        # pipes (wine64-run does that), before wmic runs wine directly
        subprocess.run([A.wine_run, 'cmd.exe', '/c', 'exit'], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    with tempfile.TemporaryDirectory(prefix='terminus-examples-') as tmp:
        try:
            rc = fn(tmp)
        except Fail as e:
            print(f'FAIL: {e}')
            return 1
        except subprocess.TimeoutExpired as e:
            print(f'FAIL: timed out: {e}')
            return 1
    return rc or 0


if __name__ == '__main__':
    sys.exit(main())
