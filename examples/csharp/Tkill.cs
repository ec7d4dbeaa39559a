// Tkill.cs: ask processes to leave, kill them only after a grace period, and
// say what happened to each and which step ended it (the C# twin of
// examples/tkill.c).
//
//   mcs -r:Terminus.dll Tkill.cs && mono Tkill.exe [/F] [/GRACE:ms] [/STEPS:list] [/V] pid...
//
// /STEPS:list: message, close, console, int, hup or all, separated by commas.

using System;
using System.Collections.Generic;
using Terminus;

static class Tkill
{
    const string Usage = "usage: Tkill [/F] [/GRACE:ms] [/STEPS:message,close,console,int,hup] [/V] pid...";

    static string Name(uint step)
    {
        switch (step) {
        case (uint)Steps.Message: return Environment.OSVersion.Platform == PlatformID.Unix ? "SIGTERM" : "message";
        case (uint)Steps.Close: return "close";
        case (uint)Steps.Console: return "console";
        case (uint)Steps.SigInt: return "SIGINT";
        case (uint)Steps.SigHup: return "SIGHUP";
        case (uint)EndedBy.Kill: return "kill";
        case (uint)EndedBy.Gone: return "already gone";
        default: return "nothing";
        }
    }

    static bool ParseSteps(string list, out Steps steps)
    {
        steps = Steps.None;
        foreach (string name in list.Split(',')) {
            switch (name.ToLowerInvariant()) {
            case "message": case "term": steps |= Steps.Message; break;
            case "close": steps |= Steps.Close; break;
            case "console": steps |= Steps.Console; break;
            case "int": steps |= Steps.SigInt; break;
            case "hup": steps |= Steps.SigHup; break;
            case "all": steps |= Steps.All; break;
            default: return false;
            }
        }
        return true;
    }

    // /V: each step as it goes out (or is skipped), each kill, each end.
    static void Show(Progress p)
    {
        string what;
        if (p.Event == ProgressEvent.Step)
            what = Name((uint)p.Step) + (p.Ok ? " sent" : " skipped: " + Library.StrError(p.Status));
        else
            what = p.Event == ProgressEvent.Kill ? "kill sent" : "ended";
        Console.WriteLine("[{0,9:F1} ms] pid {1}: {2}", p.At.TotalMilliseconds, p.Pid, what);
    }

    static int Main(string[] args)
    {
        var options = TerminateOptions.Default;
        var pids = new List<uint>();
        bool verbose = false;
        foreach (string a in args) {
            uint n;
            Steps steps;
            if (a.Equals("/F", StringComparison.OrdinalIgnoreCase))
                options.Flags = TerminateFlags.Force;
            else if (a.Equals("/V", StringComparison.OrdinalIgnoreCase))
                verbose = true;
            else if (a.StartsWith("/GRACE:", StringComparison.OrdinalIgnoreCase) && uint.TryParse(a.Substring(7), out n))
                options.GraceMs = n;
            else if (a.StartsWith("/STEPS:", StringComparison.OrdinalIgnoreCase) && ParseSteps(a.Substring(7), out steps))
                options.Steps = steps;
            else if (uint.TryParse(a, out n))
                pids.Add(n);
            else {
                Console.Error.WriteLine(Usage);
                return 2;
            }
        }
        if (pids.Count == 0) {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        Result[] results;
        TerminateDetail[] details;
        try {
            results = Context.Default.TerminateMany(pids.ToArray(), options, out details,
                                                    verbose ? (Action<Progress>)Show : null);
        } catch (TerminusException e) { // rejected as a whole: nothing was sent
            Console.Error.WriteLine("tkill: " + e.Message);
            return e is InvalidArgumentException ? 2 : 1;
        }

        int failed = 0;
        for (int i = 0; i < results.Length; i++) {
            Result r = results[i];
            string code = r.ExitCodeKnown ? r.ExitCode.ToString() : "unknown";
            string by = details[i] == null || details[i].EndedBy == EndedBy.None ? ""
                        : " [ended by: " + Name((uint)details[i].EndedBy) + "]";
            double ms = r.Elapsed.TotalMilliseconds;
            switch (r.Outcome) {
            case Outcome.Exited:
                Console.WriteLine("pid {0}: left when asked, after {1:F1} ms (exit code {2}){3}", pids[i], ms, code, by);
                break;
            case Outcome.Forced:
                Console.WriteLine("pid {0}: killed after {1:F1} ms (exit code {2}){3}", pids[i], ms, code, by);
                break;
            case Outcome.Gone:
                Console.WriteLine("pid {0}: had already exited (exit code {1}){2}", pids[i], code, by);
                break;
            default:
                Console.WriteLine("pid {0}: {1}", pids[i], Library.StrError(r.Error));
                failed = 1;
                break;
            }
        }
        return failed;
    }
}
