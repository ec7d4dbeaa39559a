#!/usr/bin/env python3
"""tkill: ask processes to leave, kill them only after a grace period, and
say what happened to each and which step ended it (the Python twin of
examples/tkill.c).

    tkill.py [--grace SECONDS] [--kill-now | --no-force] [--steps LIST] [--signal SIG]
             [--broadcast] [--ctrl-break] [-v] PID...
"""

import argparse
import sys

import terminus
from terminus import EndedBy, Outcome, ProgressEvent, Step

# The step names of --steps (examples/tkill.c reads the same ones).
STEP_NAMES = {
    "message": Step.MESSAGE, "term": Step.MESSAGE, "sigterm": Step.MESSAGE,
    "close": Step.CLOSE, "console": Step.CONSOLE,
    "int": Step.SIGINT, "sigint": Step.SIGINT, "hup": Step.SIGHUP, "sighup": Step.SIGHUP,
    "all": terminus.STEPS_ALL,
}
SIGNALS = {"TERM": Step.MESSAGE, "INT": Step.SIGINT, "HUP": Step.SIGHUP}


def step_name(value: int) -> str:
    if value == Step.MESSAGE:
        return "message" if sys.platform == "win32" else "SIGTERM"
    names = {Step.CLOSE: "close", Step.CONSOLE: "console", Step.SIGINT: "SIGINT",
             Step.SIGHUP: "SIGHUP", EndedBy.KILL: "kill", EndedBy.GONE: "already gone"}
    return names.get(value, "nothing")


def steps_list(text: str) -> Step:
    steps = Step(0)
    for name in text.split(","):
        if name.lower() not in STEP_NAMES:
            raise argparse.ArgumentTypeError("unknown step {!r} (one of {})".format(
                name, ", ".join(STEP_NAMES)))
        steps |= STEP_NAMES[name.lower()]
    return steps


def signal_step(text: str) -> Step:
    name = text.upper()[3:] if text.upper().startswith("SIG") else text.upper()
    if name not in SIGNALS:
        raise argparse.ArgumentTypeError("the signal is TERM, INT or HUP")
    return SIGNALS[name]


def show(p: terminus.Progress) -> None:
    """-v: each step as it goes out (or is skipped), each kill, each end."""
    what = {ProgressEvent.KILL: "kill sent", ProgressEvent.ENDED: "ended"}.get(p.event)
    if p.event == ProgressEvent.STEP:
        what = "{} {}".format(step_name(p.step or 0),
                              "sent" if p.ok else "skipped: " + terminus.strerror(p.status))
    print(f"[{p.at * 1000:9.1f} ms] pid {p.pid}: {what}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description="Ask processes to leave; kill them after a grace period.")
    ap.add_argument("pids", nargs="+", type=int, metavar="PID")
    ap.add_argument("-g", "--grace", type=float, default=5.0, help="seconds to leave (default 5)")
    how = ap.add_mutually_exclusive_group()
    how.add_argument("-f", "--kill-now", action="store_true", help="do not ask: kill at once")
    how.add_argument("-n", "--no-force", action="store_true", help="only ask: never kill")
    ap.add_argument("--steps", type=steps_list, help="the close chain, e.g. int,term "
                    "(message, close, console, int, hup, all); default message,close,console")
    ap.add_argument("--signal", type=signal_step, action="append", default=[],
                    help="Linux: add a signal to the steps: TERM, INT or HUP (repeatable)")
    ap.add_argument("--broadcast", action="store_true", help="Windows: broadcast the message")
    ap.add_argument("--ctrl-break", action="store_true", help="Windows: Ctrl+Break, not Ctrl+C")
    ap.add_argument("-v", "--verbose", action="store_true", help="show each step as it goes out")
    args = ap.parse_args()

    steps = None
    if args.steps is not None or args.signal:
        steps = args.steps or Step(0)
        for s in args.signal:
            steps |= s
    try:
        results = terminus.terminate_many(args.pids, grace=args.grace, force=not args.no_force,
                                          kill_now=args.kill_now, steps=steps,
                                          broadcast=args.broadcast, ctrl_break=args.ctrl_break,
                                          progress=show if args.verbose else None)
    except terminus.TerminusError as e:  # rejected as a whole: nothing was sent
        print("tkill:", e, file=sys.stderr)
        return 2 if isinstance(e, terminus.InvalidArgument) else 1

    failed = 0
    for r in results:
        code = "unknown" if r.exit_code is None else r.exit_code
        by = "" if r.detail is None or r.detail.ended_by == EndedBy.NONE else \
            f" [ended by: {step_name(r.detail.ended_by)}]"
        if r.outcome == Outcome.EXITED:
            print(f"pid {r.pid}: left when asked, after {r.elapsed * 1000:.1f} ms (exit code {code}){by}")
        elif r.outcome == Outcome.FORCED:
            print(f"pid {r.pid}: killed after {r.elapsed * 1000:.1f} ms (exit code {code}){by}")
        elif r.outcome == Outcome.GONE:
            print(f"pid {r.pid}: had already exited (exit code {code}){by}")
        else:  # r.error is the exception for this target, not raised
            print(f"pid {r.pid}: {terminus.strerror(r.status)} ({r.error})")
            failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main())
