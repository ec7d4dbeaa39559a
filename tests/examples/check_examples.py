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
  badinput  tkill 0, junk, nothing, bad steps, bad tokens, bad /IM, /ID with targets:
            exit 2 and a message; nothing signalled
  tree      tkill /T: a shell, its children and a grandchild, one grace for all;
            a tree that holds tkill itself is refused
  byname    tkill /IM: a copy of sleep under a name of its own, every copy of it
            ended, nothing else; a name nothing has: exit 1
  token     tkill /ID prints a token; tkill TOKEN ends that process; once it has
            ended (and its pid may name another), the token ends nothing: exit 1
            (tree, byname and token skip while the Linux backend cannot list
            processes: it answers E_UNSUPPORTED)
  usage     logoff /?, logoff 1 2, sessions /?, sessions junk: codes and messages;
            logoff's options of 0.2 misused (a bad /IDLE, an empty /USER,
            /MESSAGE without /WARN, too many servers): exit 2
  logind    sessions and logoff against a logind mock on a private bus
            (dbus-daemon + python3-dbusmock; 77 when missing)
  admin     against the logind mock too: sessions as query user prints them
            (idle and logon times, /V, /BLOCKERS), logoff /IDLE, /DISCONNECTED,
            /USER, /TEST, /WARN (the warning read on a pseudo-terminal), several
            servers through a fake ssh (one unreachable; at most 4 at once,
            timed)
Under Wine (the cross build, the .exe programs through cross/wine64-run):
  wine-listener  listener.exe asked to leave by tkill.exe: EXITED, data saved
  wine-stubborn  Wine's notepad.exe (knows nothing of terminus): the default close
                 chain ends it by WM_CLOSE, inside the grace; with
                 /steps:message /broadcast (terminus 0.1's request) it is FORCED
  wine-badinput  tkill.exe 0: exit 2
  wine-byname    tkill.exe /IM NOTEPAD.EXE: Wine's notepad, by name without regard
                 to case, ended by the close chain's WM_CLOSE
  wine-logoff    logoff.exe 12, logoff.exe /v: exit 1 and a clear message
                 (Wine stubs wtsapi32); logoff.exe /?, sessions.exe; logoff.exe
                 /DISCONNECTED /TEST (UNSUPPORTED), a bad /IDLE (exit 2), two
                 servers (each one's error on its own)
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


    # the new spellings, checked before anything is sent
    bad_targets = (
        (['t1.bad'], "'t1.bad' is not an identity token"),
        (['123', 't1.b.042.0.1'], 'its pid is empty, 0 or has a leading zero'),
        (['/PID'], '/PID needs a process id or an identity token'),
        (['--pid=xyz'], "'xyz' is not a process id"),
        (['/IM'], '/IM needs an image name'),
        (['/IM', 'bin/sleep'], 'is a path'),
        (['--image='], 'needs an image name'),
        (['/ID', '5', '6'], '/ID prints tokens and ends nothing'),
        (['/ID', 'abc'], "'abc' is not a process id (for /ID)"),
        (['/T'], 'no process id given'),
    )
    for args, says in bad_targets:
        rc, out, err = run('tkill', *args)
        check(rc == 2 and says in err and 'TKILL' in err and out == '',
              f'tkill {args}: exit 2, "{says}", the usage; nothing done')
    rc, out, _ = run('tkill', '/?')
    check('/T ' in out and '/IM name' in out and '/ID pid' in out and '[/PID] token' in out,
          'the usage names /T, /IM, /ID, /PID and tokens')


# --- trees, names and tokens (the new spellings, against real processes) -----

def unsupported(err):
    """Whether tkill said the native backend cannot do it (yet)."""
    return 'not supported' in err and ('process_list' in err or 'process_identity' in err)


def skip_unsupported(err, what):
    print(f'skipped: the native backend answers E_UNSUPPORTED for {what} '
          f'(it has no process_list / process_identity yet): {err.strip()}')
    return SKIP


def pids_of_children(pid):
    try:
        with open(f'/proc/{pid}/task/{pid}/children') as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def alive(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def t_tree(tmp):
    # a shell (ignores SIGTERM) with two children, one of which has a child
    script = 'trap "" TERM; sleep 600 & (trap "" TERM; sleep 600 & wait) & wait'
    proc = subprocess.Popen(['bash', '-c', script], start_new_session=True)
    try:
        members = set()
        for _ in range(250):
            kids = pids_of_children(proc.pid)
            members = {proc.pid} | set(kids)
            for k in kids:
                members |= set(pids_of_children(k))
            if len(members) >= 4:
                break
            time.sleep(0.02)
        check(len(members) >= 4, f'the tree runs ({sorted(members)})')
        rc, out, err = run('tkill', '/T', '/grace:1000', proc.pid)
        if rc != 0 and unsupported(err):
            return skip_unsupported(err, 'tkill /T')
        check(rc == 0, 'tkill /T exits 0')
        m = re.search(r'\[tree: (\d+) processes\]', out)
        check(m is not None and int(m.group(1)) >= 4, 'it says how many processes the tree had')
        proc.wait(timeout=10)
        time.sleep(0.2)
        check(not any(alive(p) for p in members), 'every member of the tree has ended')
        # a tree that would hold tkill itself: its parent (this script) is refused
        rc, out, err = run('tkill', '/T', os.getpid())
        check(rc == 1 and 'ancestor of the calling process' in err, 'tkill /T of its parent: refused')
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait()


def t_byname(tmp):
    name = f'terminus-sl{os.getpid()}'
    copy = os.path.join(tmp, name)
    shutil.copy(shutil.which('sleep'), copy)
    procs = [subprocess.Popen([copy, '600']) for _ in range(2)]
    other = subprocess.Popen(['sleep', '600'])
    try:
        time.sleep(0.2)
        rc, out, err = run('tkill', '/IM', name, '/grace:1000')
        if rc != 0 and unsupported(err):
            return skip_unsupported(err, 'tkill /IM')
        check(rc == 0, f'tkill /IM {name} exits 0')
        for p in procs:
            check(re.search(rf'^{name}: pid {p.pid}: ', out, re.M) is not None,
                  f'it names pid {p.pid}')
            check(p.wait(timeout=10) == -signal.SIGTERM, f'pid {p.pid} died of SIGTERM')
        check(other.poll() is None, 'a process of another name is untouched')
        rc, out, err = run('tkill', '/IM', name)
        check(rc == 1 and 'no process is named' in err, 'a name nothing has: exit 1')
    finally:
        for p in procs + [other]:
            if p.poll() is None:
                p.kill()
            p.wait()


def t_token(tmp):
    proc = subprocess.Popen(['sleep', '600'])
    try:
        rc, out, err = run('tkill', '/ID', proc.pid)
        if rc != 0 and unsupported(err):
            return skip_unsupported(err, 'tkill /ID')
        check(rc == 0, 'tkill /ID exits 0')
        token = out.strip()
        check(re.match(rf'^t1\.[0-9a-f]*\.{proc.pid}\.[0-9a-f]+\.[0-9a-f]+$', token) is not None,
              f'it prints the token ({token})')
        rc, out, err = run('tkill', token, '/grace:1000')
        check(rc == 0 and f'pid {proc.pid}: ' in out, 'tkill TOKEN ends that process')
        check(proc.wait(timeout=10) == -signal.SIGTERM, 'it died of SIGTERM')
        rc, out, err = run('tkill', '/PID', token)
        check(rc == 1 and 'no such process' in (out + err).lower(),
              'once it has ended, its token ends nothing: exit 1')
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def t_wine_byname(tmp):
    before = notepads()
    proc = subprocess.Popen([A.wine_run, 'notepad.exe'], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        new = set()
        for _ in range(60):
            new = notepads() - before
            if new:
                break
            time.sleep(0.2)
        check(len(new) == 1, 'notepad.exe runs')
        rc, out, err = run('tkill', '/IM', 'NOTEPAD.EXE', '/grace:1000')
        if rc != 0 and unsupported(err):
            return skip_unsupported(err, 'tkill.exe /IM')
        check(rc == 0, 'tkill.exe /IM NOTEPAD.EXE exits 0')
        # the default chain closes it (WM_CLOSE), as taskkill without /F would
        check(re.search(rf'pid {new.pop()}: left when asked.*\[ended by: close\]', out)
              is not None, 'it ended notepad by WM_CLOSE')
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


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
    # logoff's options of 0.2: a bad use is exit 2, with the reason and the usage
    rc, out, _ = run('logoff', '/?')
    for opt in ('/IDLE:duration', '/DISCONNECTED', '/USER:username', '/TEST', '/WARN:duration',
                '/MESSAGE:text', '2+03:04', 'no session matched'):
        check(opt in out, f'logoff /? names {opt}')
    check(re.search(r'Exit code: 0 .*\n1 when none matched.*2 for a bad', out, re.S) is not None,
          'logoff /? gives the exit codes 0, 1 and 2')
    rc, out, _ = run('sessions', '/?')
    check(rc == 0 and 'IDLE TIME' in out and '/BLOCKERS' in out and '/V' in out,
          'sessions /? names the columns, /V and /BLOCKERS')
    bad_new = (
        (['/IDLE:90x'], "unknown unit 'x' at byte 2"),
        (['/idle:1h30'], 'no unit after 30'),
        (['--idle=-5m'], 'not negative'),
        (['/IDLE:1:60'], 'below 60'),
        (['/IDLE:'], 'needs a value'),
        (['--idle'], 'needs a value'),
        (['--idle', '--test'], 'starts like an option'),
        (['/IDLE:1h', '/IDLE:2h'], 'given twice'),
        (['/USER:'], 'needs a value'),
        (['--user', '/v'], 'starts like an option'),
        (['/MESSAGE:hello'], '/MESSAGE needs /WARN'),
        (['/WARN:x'], 'bad duration for /WARN:x'),
        (['/WARN:50d'], 'the countdown is too long'),
        (['/WARN:1m', '--warn=2m'], 'given twice'),
        (['/TEST'] + ['/server:h%d' % i for i in range(65)], 'too many servers'),
    )
    for args, says in bad_new:
        rc, out, err = run('logoff', *args)
        check(rc == 2 and says in err and 'LOGOFF' in err and out == '',
              f'logoff {" ".join(args[:3])}: exit 2, "{says}", the usage; nothing done')
    rc, _, err = run('logoff', '/IDLE:1h', '/bogus')
    check(rc == 1 and "Invalid parameter(s): '/bogus'" in err,
          'an unknown option beside them is still exit 1, as the Windows command')


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
    return {k: v[:3] for k, v in session_table(out).items()}


def session_table(out):
    """{name: (id, state, user, idle, logon, rest..., own)} from the output of
    sessions (its columns: USERNAME SESSIONNAME ID STATE IDLE TIME LOGON TIME
    [TYPE CLIENT]; '>' before the caller's own session)."""
    rows = {}
    lines = out.splitlines()
    if not lines or lines[0].split()[:2] != ['USERNAME', 'SESSIONNAME']:
        return rows
    for line in lines[1:]:
        if not line or line.startswith('('):
            break
        f = line[1:].split()
        if len(f) >= 7 and f[2].isdigit():
            rows[f[1]] = (int(f[2]), f[3], f[0], f[4], f[5] + ' ' + f[6]) + tuple(f[7:]) + \
                         (line[0] == '>',)
    return rows


def mock_missing():
    """Why the logind mock cannot run here, or None."""
    if not (os.access('/usr/bin/dbus-daemon', os.X_OK) and shutil.which('dbus-send')):
        return 'dbus-daemon or dbus-send missing'
    if subprocess.run(['/usr/bin/python3', '-c', 'import dbusmock'],
                      stderr=subprocess.DEVNULL).returncode != 0:
        return 'python3-dbusmock missing'
    return None


def start_mock(tmp, procs):
    """A private system bus and the logind mock on it (their processes
    appended to procs); the environment that points the programs at it."""
    bus = os.path.join(tmp, 'bus')
    with open(os.path.join(tmp, 'bus.conf'), 'w') as f:
        f.write(BUS_CONF.format(path=bus))
    env = dict(os.environ)
    env['DBUS_SYSTEM_BUS_ADDRESS'] = 'unix:path=' + bus
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
    return env


def stop_all(procs):
    for p in reversed(procs):
        p.terminate()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def t_logind(tmp):
    why = mock_missing()
    if why:
        print('skipped: ' + why)
        return SKIP
    procs = []
    try:
        env = start_mock(tmp, procs)
        for sid, uid, user, active in (('3', 1000, 'alice', 'true'), ('c1', 1003, 'dave', 'false'),
                                       ('c2', 1001, 'bob', 'false'), ('c3', 1004, 'erin', 'false'),
                                       ('7', 1002, 'carol', 'false')):
            p = dbus_send(env, '--dest=org.freedesktop.login1', '/org/freedesktop/login1',
                          'org.freedesktop.DBus.Mock.AddSession', 'string:' + sid, 'string:seat0',
                          f'uint32:{uid}', 'string:' + user, 'boolean:' + active)
            check(p.returncode == 0, f'AddSession {sid}')

        rc, out, _ = run('sessions', env=env)
        check(rc == 0 and out.split()[:8] == ['USERNAME', 'SESSIONNAME', 'ID', 'STATE', 'IDLE',
                                              'TIME', 'LOGON', 'TIME'], 'sessions: exit 0, the header')
        rows = session_rows(out)
        check(rows.get('3') == (3, 'Active', 'alice'), 'session 3: alice, active')
        check(rows.get('7') == (7, 'Conn', 'carol'), 'session 7: carol, connected')
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
        stop_all(procs)
    # the bus gone: a clear error
    rc, _, err = run('sessions', env=env)
    check(rc == 1 and 'TERMINUS_E_UNAVAILABLE' in err, 'no bus: sessions exits 1, E_UNAVAILABLE')
    return 0


# --- sessions an administrator acts on (logind mock) --------------------------

# Session properties through the mock's UpdateProperties (python3-dbus, which
# python3-dbusmock needs anyway); argv[1] the logind id, argv[2] a JSON object
# {name: [D-Bus type, value]}.
SET_PROPS = r"""
import dbus, json, sys
props = {k: {'b': dbus.Boolean, 't': dbus.UInt64, 's': dbus.String}[t](v)
         for k, (t, v) in json.loads(sys.argv[2]).items()}
obj = dbus.SystemBus().get_object('org.freedesktop.login1',
                                  '/org/freedesktop/login1/session/' + sys.argv[1])
obj.UpdateProperties('org.freedesktop.login1.Session', props,
                     dbus_interface='org.freedesktop.DBus.Mock')
"""


def set_props(env, lid, **props):
    import json
    p = subprocess.run(['/usr/bin/python3', '-c', SET_PROPS, lid, json.dumps(props)], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)
    check(p.returncode == 0, f'UpdateProperties {lid} {sorted(props)}' + (p.stderr and ': ' + p.stderr))


def open_pty():
    """A raw pseudo-terminal: (master fd, slave fd, "pts/N")."""
    import pty
    import tty
    m, sl = pty.openpty()
    tty.setraw(sl)
    return m, sl, os.ttyname(sl)[len('/dev/'):]


def read_pty(m, timeout=3.0):
    buf = b''
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([m], [], [], 0.2 if buf else max(0.0, end - time.monotonic()))
        if not r:
            if buf:
                break
            continue
        buf += os.read(m, 4096)
    return buf.decode(errors='replace')


FAKE_SSH = """#!/bin/sh
# a fake ssh: note the host, wait a while (a slow network), bridge to the private bus
echo "$@" >> '{log}'
for a; do case "$a" in *unreachable*)
  echo "ssh: connect to host $a port 22: No route to host" >&2; exit 255;; esac; done
sleep {delay}
exec '{bridge}' --bus-path='{bus}'
"""


def t_admin(tmp):
    why = mock_missing()
    if why:
        print('skipped: ' + why)
        return SKIP
    procs = []
    m = sl = -1
    try:
        env = start_mock(tmp, procs)
        env['TZ'] = 'UTC'
        for sid, uid, user, active in (('3', 1000, 'alice', 'true'), ('c1', 1003, 'dave', 'false'),
                                       ('c2', 1001, 'bob', 'false'), ('7', 1002, 'carol', 'false')):
            p = dbus_send(env, '--dest=org.freedesktop.login1', '/org/freedesktop/login1',
                          'org.freedesktop.DBus.Mock.AddSession', 'string:' + sid, 'string:seat0',
                          f'uint32:{uid}', 'string:' + user, 'boolean:' + active)
            check(p.returncode == 0, f'AddSession {sid}')
        now = int(time.time() * 1000000)
        minute = 60 * 1000000
        logon = 1704097800 * 1000000  # 2024-01-01 08:30 UTC
        set_props(env, 'c2', IdleHint=['b', True], IdleSinceHint=['t', now - 62 * minute - 20000000],
                  Timestamp=['t', logon], Remote=['b', True], RemoteHost=['s', 'laptop.example'],
                  Type=['s', 'tty'])
        set_props(env, '7', IdleHint=['b', True], IdleSinceHint=['t', now - (2 * 1440 + 184) * minute],
                  Type=['s', 'x11'])
        set_props(env, 'c1', IdleHint=['b', True], IdleSinceHint=['t', now - 5 * minute - 30000000])
        set_props(env, '3', IdleHint=['b', False])

        # sessions: what query user prints
        rc, out, _ = run('sessions', env=env)
        t = session_table(out)
        check(rc == 0 and set(t) == {'3', 'c1', 'c2', '7'}, 'sessions: exit 0, four sessions')
        check(t['c2'][1:5] == ('Conn', 'bob', '1:02', '2024-01-01 08:30'),
              f'c2: Conn, bob, idle 1:02, logged on 2024-01-01 08:30 ({t["c2"]})')
        check(t['7'][3] == '2+03:04', f'7: idle 2+03:04 ({t["7"][3]})')
        check(t['c1'][3] == '5' and t['3'][3] == '.', 'c1: idle 5; 3: in use (.)')
        check(t['c2'][0] == 0x80000002, 'c2 keeps its id')
        rc, out, _ = run('sessions', '/V', env=env)
        t = session_table(out)
        check(rc == 0 and 'TYPE' in out.splitlines()[0] and 'CLIENT' in out.splitlines()[0],
              'sessions /V: TYPE and CLIENT')
        check(t['c2'][5:7] == ('tty', 'laptop.example'), f'c2: tty from laptop.example ({t["c2"]})')
        check(t['7'][5:7] == ('x11', '-'), f'7: x11, no client ({t["7"]})')
        p = dbus_send(env, '--dest=org.freedesktop.login1', '/org/freedesktop/login1',
                      'org.freedesktop.DBus.Mock.AddInhibitor', 'string:shutdown:sleep',
                      'string:backup', 'string:Copying 3 files', 'string:block', 'uint32:1000',
                      'uint32:4242')
        check(p.returncode == 0, 'AddInhibitor')
        rc, out, _ = run('sessions', '/BLOCKERS', env=env)
        check(rc == 0 and re.search(r'^backup\s+4242\s+1000\s+block\s+shutdown:sleep\s+Copying 3 files$',
                                    out, re.M) is not None, 'sessions /BLOCKERS: who, pid, uid, mode, what, why')

        # a dry run: idle an hour or more
        rc, out, err = run('logoff', '/IDLE:1h', '/TEST', env=env)
        check(rc == 0 and err == '', 'logoff /IDLE:1h /TEST: exit 0')
        check(re.search(r'^Would log off session ID 2147483650 \(c2, user bob, Conn, idle 1:02\)$',
                        out, re.M) is not None, 'it would log off c2')
        check('(7, user carol, Conn, idle 2+03:04)' in out and 'c1' not in out and '(3,' not in out,
              'and 7; not c1 (5 minutes) nor 3 (in use)')
        check(set(session_rows(run('sessions', env=env)[1])) == {'3', 'c1', 'c2', '7'},
              'nothing was logged off')
        # nothing matches
        rc, out, err = run('logoff', '/USER:nosuch', env=env)
        check(rc == 1 and 'no session matched' in err, 'logoff /USER:nosuch: exit 1, no session matched')
        rc, out, err = run('logoff', '/DISCONNECTED', '/V', env=env)
        check(rc == 1 and 'no session matched' in err,
              'logoff /DISCONNECTED: exit 1, no session matched (logind has no disconnected session)')
        rc, out, err = run('logoff', '/IDLE:1d', '/USER:bob', env=env)
        check(rc == 1 and 'no session matched' in err, 'bob is idle for an hour, not a day: exit 1')
        # combined: idle an hour, bob: c2 only
        rc, out, err = run('logoff', '--idle=1h', '--user', 'BOB', '-v', env=env)
        check(rc == 0 and re.search(r'^Logged off session ID 2147483650 \(c2, user bob', out, re.M),
              'logoff --idle=1h --user BOB -v: exit 0, logged off c2')
        check(set(session_rows(run('sessions', env=env)[1])) == {'3', 'c1', '7'}, 'c2 is gone, only c2')

        # warn first: dave's terminal gets the message, then the countdown, then the logoff
        m, sl, pts = open_pty()
        set_props(env, 'c1', TTY=['s', pts], Type=['s', 'tty'])
        t0 = time.monotonic()
        rc, out, err = run('logoff', '/USER:dave', '/WARN:2s', '/MESSAGE:Maintenance at noon.', '/V',
                           env=env)
        ms = (time.monotonic() - t0) * 1000
        print(f'  logoff /WARN:2s took {ms:.0f} ms')
        check(rc == 0 and 'Warned session ID 2147483649' in out and 'Logged off session ID 2147483649' in out,
              'logoff /USER:dave /WARN:2s: warned, then logged off')
        check(2000 <= ms < 6000, f'after the countdown ({ms:.0f} ms)')
        said = read_pty(m)
        check(said.startswith('\r\nLogoff (') and 'Maintenance at noon.\r\n' in said,
              f'the message is on the terminal, as wall writes it ({said!r})')
        # a graphical session cannot be warned: said, and logged off all the same
        rc, out, err = run('logoff', '/USER:carol', '/WARN:1s', env=env)
        check(rc == 0 and 'Could not warn session ID 7' in err and 'graphical (x11)' in err,
              'logoff /USER:carol /WARN:1s: "Could not warn" (graphical), exit 0')
        check(set(session_rows(run('sessions', env=env)[1])) == {'3'}, 'only 3 is left')

        # several servers at once, through a fake ssh that takes 0.5 s to connect
        bridge = shutil.which('systemd-stdio-bridge') or next(
            (b for b in ('/usr/lib/systemd/systemd-stdio-bridge', '/lib/systemd/systemd-stdio-bridge')
             if os.access(b, os.X_OK)), None)
        if bridge is None:
            print('no systemd-stdio-bridge: the servers part is skipped')
            return 0
        bindir = os.path.join(tmp, 'bin')
        os.mkdir(bindir)
        with open(os.path.join(bindir, 'ssh'), 'w') as f:
            f.write(FAKE_SSH.format(log=os.path.join(tmp, 'ssh.log'), delay='0.5', bridge=bridge,
                                    bus=env['DBUS_SYSTEM_BUS_ADDRESS']))
        os.chmod(os.path.join(bindir, 'ssh'), 0o755)
        env['PATH'] = bindir + ':' + env['PATH']
        rc, out, err = run('logoff', '/TEST', '/USER:alice', '--server', 'a@h1', '--server', 'b@h2',
                           '--server', 'c@unreachable', env=env, timeout=60)
        check(rc == 1, 'logoff /TEST on three servers, one unreachable: exit 1')
        check(re.search(r'^a@h1: Would log off session ID 3 \(3, user alice', out, re.M) and
              re.search(r'^b@h2: Would log off session ID 3 ', out, re.M),
              'each reachable server says what it would do, its name first')
        check(re.search(r'^c@unreachable: Could not open the server: .*\(TERMINUS_E_UNAVAILABLE\)$',
                        err, re.M) is not None and 'a@h1' not in err,
              'the unreachable one is reported on its own')
        servers = []
        for i in range(8):
            servers += ['--server', f'u{i}@h{i}']
        t0 = time.monotonic()
        rc, out, err = run('sessions', *servers, env=env, timeout=60)
        ms = (time.monotonic() - t0) * 1000
        print(f'  sessions on 8 servers, each 0.5 s to connect, 4 at once: {ms:.0f} ms '
              f'(one by one: 4000 ms or more)')
        check(rc == 0 and all(f'u{i}@h{i}: >' not in out and f'u{i}@h{i}:  alice' in out
                              for i in range(8)), 'every server listed, its name on each line')
        check(1000 <= ms < 3500, f'two rounds of four, not eight one by one nor all at once ({ms:.0f} ms)')
        t0 = time.monotonic()
        rc, out, err = run('sessions', '--server', 'x@h', env=env, timeout=60)
        ms1 = (time.monotonic() - t0) * 1000
        print(f'  sessions on 1 server: {ms1:.0f} ms')
    finally:
        stop_all(procs)
        for fd in (m, sl):
            if fd >= 0:
                os.close(fd)
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
    # 0.2's options: a dry run needs the sessions' details, which Wine cannot give
    rc, out, err = run('logoff', '/DISCONNECTED', '/TEST')
    check(rc == 1 and ('TERMINUS_E_UNSUPPORTED' in err or 'no session matched' in err) and
          'Would log off' not in out, 'logoff.exe /DISCONNECTED /TEST: exit 1, unsupported (or none)')
    rc, out, err = run('logoff', '/IDLE:90x')
    check(rc == 2 and "unknown unit 'x'" in err, 'logoff.exe /IDLE:90x: exit 2, the reason')
    rc, out, err = run('logoff', '/TEST', '/USER:bob', '/server:WF12', '/server:WF13', timeout=120)
    check(rc == 1 and re.search(r'^WF12: ', err, re.M) and re.search(r'^WF13: ', err, re.M),
          'logoff.exe on two servers: exit 1, each one\'s error on its own line')
    rc, out, err = run('sessions', '/BLOCKERS')
    check(rc == 1 and err != '', 'sessions.exe /BLOCKERS: exit 1 and a message')


TESTS = {
    'listener': (t_listener, False),
    'stubborn': (t_stubborn, False),
    'steps': (t_steps, False),
    'badinput': (t_badinput, False),
    'usage': (t_usage, False),
    'logind': (t_logind, False),
    'admin': (t_admin, False),
    'tree': (t_tree, False),
    'byname': (t_byname, False),
    'token': (t_token, False),
    'wine-listener': (t_listener, True),
    'wine-stubborn': (t_wine_stubborn, True),
    'wine-badinput': (t_wine_badinput, True),
    'wine-byname': (t_wine_byname, True),
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
