// Tkill.cs: ask processes to leave, kill them only after a grace period, and
// say what happened to each (the C# twin of examples/tkill.c).
//
//   mcs -r:Terminus.dll Tkill.cs && mono Tkill.exe [/F] [/GRACE:ms] pid...

using System;
using System.Collections.Generic;
using Terminus;

static class Tkill
{
    static int Main(string[] args)
    {
        var options = TerminateOptions.Default;
        var pids = new List<uint>();
        foreach (string a in args) {
            uint n;
            if (a.Equals("/F", StringComparison.OrdinalIgnoreCase))
                options.Flags = TerminateFlags.Force;
            else if (a.StartsWith("/GRACE:", StringComparison.OrdinalIgnoreCase) && uint.TryParse(a.Substring(7), out n))
                options.GraceMs = n;
            else if (uint.TryParse(a, out n))
                pids.Add(n);
            else {
                Console.Error.WriteLine("usage: Tkill [/F] [/GRACE:ms] pid...");
                return 2;
            }
        }
        if (pids.Count == 0) {
            Console.Error.WriteLine("usage: Tkill [/F] [/GRACE:ms] pid...");
            return 2;
        }

        Result[] results;
        try {
            results = Context.Default.TerminateMany(pids.ToArray(), options);
        } catch (TerminusException e) { // rejected as a whole: nothing was sent
            Console.Error.WriteLine("tkill: " + e.Message);
            return e is InvalidArgumentException ? 2 : 1;
        }

        int failed = 0;
        for (int i = 0; i < results.Length; i++) {
            Result r = results[i];
            string code = r.ExitCodeKnown ? r.ExitCode.ToString() : "unknown";
            double ms = r.Elapsed.TotalMilliseconds;
            switch (r.Outcome) {
            case Outcome.Exited:
                Console.WriteLine("pid {0}: left when asked, after {1:F1} ms (exit code {2})", pids[i], ms, code);
                break;
            case Outcome.Forced:
                Console.WriteLine("pid {0}: killed after {1:F1} ms (exit code {2})", pids[i], ms, code);
                break;
            case Outcome.Gone:
                Console.WriteLine("pid {0}: had already exited (exit code {1})", pids[i], code);
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
