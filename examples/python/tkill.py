#!/usr/bin/env python3
"""tkill: ask processes to leave, kill them only after a grace period, and
say what happened to each (the Python twin of examples/tkill.c).

    tkill.py [--grace SECONDS] [--kill-now | --no-force] PID...
"""

import argparse
import sys

import terminus
from terminus import Outcome


def main() -> int:
    ap = argparse.ArgumentParser(description="Ask processes to leave; kill them after a grace period.")
    ap.add_argument("pids", nargs="+", type=int, metavar="PID")
    ap.add_argument("-g", "--grace", type=float, default=5.0, help="seconds to leave (default 5)")
    how = ap.add_mutually_exclusive_group()
    how.add_argument("-f", "--kill-now", action="store_true", help="do not ask: kill at once")
    how.add_argument("-n", "--no-force", action="store_true", help="only ask: never kill")
    args = ap.parse_args()

    try:
        results = terminus.terminate_many(args.pids, grace=args.grace,
                                          force=not args.no_force, kill_now=args.kill_now)
    except terminus.TerminusError as e:  # rejected as a whole: nothing was sent
        print("tkill:", e, file=sys.stderr)
        return 2 if isinstance(e, terminus.InvalidArgument) else 1

    failed = 0
    for r in results:
        code = "unknown" if r.exit_code is None else r.exit_code
        if r.outcome == Outcome.EXITED:
            print(f"pid {r.pid}: left when asked, after {r.elapsed * 1000:.1f} ms (exit code {code})")
        elif r.outcome == Outcome.FORCED:
            print(f"pid {r.pid}: killed after {r.elapsed * 1000:.1f} ms (exit code {code})")
        elif r.outcome == Outcome.GONE:
            print(f"pid {r.pid}: had already exited (exit code {code})")
        else:  # r.error is the exception for this target, not raised
            print(f"pid {r.pid}: {terminus.strerror(r.status)} ({r.error})")
            failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main())
