#!/usr/bin/env python3
"""Run one libFuzzer target for a bounded time on a copy of its seed corpus.

Usage: run-fuzzer.py --fuzzer EXE --corpus DIR [--seconds N]

The corpus is copied to a temporary directory, so that the repository is
never written (libFuzzer adds what it finds to its first corpus directory);
crash artifacts go there too and are printed. Exits 0 when the run ended with
no crash, leak, timeout or sanitizer report; 1 otherwise. N defaults to
$TERMINUS_FUZZ_SECONDS, else 15.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Output that means a broken promise, even if the process exited 0
# (e.g. UBSan built to recover).
BAD = re.compile(r'(ERROR: (Address|Leak|Undefined|Memory|Thread)Sanitizer|runtime error:|'
                 r'ERROR: libFuzzer|FUZZ_CHECK\(|==\d+== ?ERROR)')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--fuzzer', required=True)
    ap.add_argument('--corpus', required=True)
    ap.add_argument('--seconds', type=int,
                    default=int(os.environ.get('TERMINUS_FUZZ_SECONDS', '15') or 15))
    a = ap.parse_args()

    env = dict(os.environ)
    env['UBSAN_OPTIONS'] = 'halt_on_error=1:print_stacktrace=1:' + env.get('UBSAN_OPTIONS', '')
    env['ASAN_OPTIONS'] = 'detect_leaks=1:' + env.get('ASAN_OPTIONS', '')
    with tempfile.TemporaryDirectory(prefix='terminus-fuzz-') as tmp:
        corpus = os.path.join(tmp, 'corpus')
        shutil.copytree(a.corpus, corpus)
        seeds = len(os.listdir(corpus))
        cmd = [a.fuzzer, corpus,
               '-max_total_time=%d' % a.seconds,
               '-timeout=10',            # one input may take at most 10 s
               '-rss_limit_mb=2048',
               '-max_len=4096',
               '-print_final_stats=1',
               '-artifact_prefix=' + tmp + os.sep]
        print('# %s (%d seeds, %d s)' % (' '.join(cmd), seeds, a.seconds), flush=True)
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, errors='replace')
        out = p.stdout
        bad = BAD.search(out)
        ok = p.returncode == 0 and not bad
        # The tail is enough when it passed; everything when it did not.
        lines = out.splitlines()
        for line in (lines if not ok else lines[-25:]):
            print(line)
        if not ok:
            for f in sorted(os.listdir(tmp)):
                if f != 'corpus':
                    path = os.path.join(tmp, f)
                    with open(path, 'rb') as fh:
                        print('# artifact %s: %r' % (f, fh.read()[:512]))
            print('# FAILED: exit %d%s' % (p.returncode, ', ' + bad.group(0) if bad else ''))
            return 1
        runs = re.findall(r'stat::number_of_executed_units:\s*(\d+)', out)
        print('# passed: %s runs, %d corpus files at the end' %
              (runs[-1] if runs else '?', len(os.listdir(corpus))))
        return 0


if __name__ == '__main__':
    sys.exit(main())
