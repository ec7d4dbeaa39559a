// tests/packaging/NupkgCheck.cs: run by tests/packaging/check-nupkg.py with
// mono against the Terminus.dll of the NuGet package, unpacked, with no
// TERMINUS_LIBRARY and no LD_LIBRARY_PATH.
//   NupkgCheck.exe VERSION          the binding found the native library in the
//                                   package's runtimes folder, both versions are
//                                   VERSION, a terminate through the fake works
//   NupkgCheck.exe missing PATH     with TERMINUS_LIBRARY=PATH (no such file): the
//                                   first call throws a LibraryNotFoundException
//                                   that names PATH, a DllNotFoundException
using System;
using System.IO;
using Terminus;

static class NupkgCheck
{
    static int failed;

    static void Check(bool ok, string what)
    {
        Console.WriteLine("{0}: {1}", ok ? "ok" : "FAIL", what);
        if (!ok)
            failed++;
    }

    static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "missing") {
            try {
                using (var fake = new Fake()) { }
                Check(false, "TERMINUS_LIBRARY=" + args[1] + ": no exception");
            } catch (LibraryNotFoundException e) {
                Console.WriteLine(e.Message);
                Check(e.Tried.Count == 1 && e.Tried[0].StartsWith(args[1] + " (TERMINUS_LIBRARY)"),
                      "LibraryNotFoundException lists TERMINUS_LIBRARY alone");
                Check(e is DllNotFoundException, "it is a DllNotFoundException");
                try {
                    Console.WriteLine(Library.Version);
                    Check(false, "a second call worked");
                } catch (LibraryNotFoundException again) {
                    Check(again == e, "every later call throws it too");
                }
            }
            return failed == 0 ? 0 : 1;
        }
        string version = args[0];
        Check(Library.Version == version, "Library.Version is " + version + " (" + Library.Version + ")");
        Version asm = typeof(Context).Assembly.GetName().Version;
        Check(asm.ToString() == version + ".0", "AssemblyVersion is " + version + ".0 (" + asm + ")");
        string maps = File.ReadAllText("/proc/self/maps");
        string native = Path.Combine(Path.Combine("runtimes", "linux-x64"), "native") + "/libterminus.so";
        Check(maps.Contains(native), "the native library is the package's " + native);
        using (var fake = new Fake()) {
            fake.AddProcess(42, FakeBehaviour.ExitsOnRequest, 250, 7);
            using (Context ctx = fake.CreateContext()) {
                Result r = ctx.Terminate(42u);
                Check(r.Ok && r.Outcome == Outcome.Exited && r.ExitCode == 7 && r.ElapsedUs == 250000,
                      "terminate through the fake: " + r);
            }
            fake.AddProcess(43, FakeBehaviour.Ignores);
            using (Context ctx = fake.CreateContext()) {
                Result r = ctx.Terminate(43u);
                Check(r.Outcome == Outcome.Forced, "a process that ignores the request is killed: " + r);
            }
        }
        try {
            Context.Default.Terminate(0u);
            Check(false, "pid 0: no exception");
        } catch (InvalidArgumentException e) {
            Check(e.Code == ErrorCode.InvalidArgument, "pid 0 on the native context: " + e.Message);
        }
        Console.WriteLine(failed == 0 ? "ok" : failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
