// tests/ffi/csharp/TerminusTests.cs: the C# bindings against the real
// libterminus: typed exceptions, the fake OS (terminate, sessions, faults,
// listeners, exit) and, when the native backend supports it, real child
// processes. Run by tests/ffi/run-csharp.py; prints one line per test and
// exits 1 if any failed.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Terminus;

static class TerminusTests
{
    static int failed, passed, skipped;

    class Skip : Exception
    {
        public Skip(string why) : base(why) { }
    }

    static void Check(bool ok, string what)
    {
        if (!ok)
            throw new Exception("check failed: " + what);
    }

    static void Equal<T>(T want, T got, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(want, got))
            throw new Exception(string.Format("{0}: expected {1}, got {2}", what, want, got));
    }

    static E Throws<E>(Action a, string what) where E : Exception
    {
        try {
            a();
        } catch (E e) {
            return e;
        } catch (Exception e) {
            throw new Exception(string.Format("{0}: expected {1}, got {2}: {3}", what, typeof(E).Name,
                                              e.GetType().Name, e.Message));
        }
        throw new Exception(string.Format("{0}: expected {1}, nothing thrown", what, typeof(E).Name));
    }

    static void Run(string name, Action test)
    {
        try {
            test();
            passed++;
            Console.WriteLine("ok   " + name);
        } catch (Skip s) {
            skipped++;
            Console.WriteLine("skip " + name + ": " + s.Message);
        } catch (Exception e) {
            failed++;
            Console.WriteLine("FAIL " + name + ": " + e);
        }
    }

    // A fake and a context over it; checks that nothing leaked.
    static void WithFake(Action<Fake, Context> body)
    {
        using (var fake = new Fake()) {
            var ctx = fake.CreateContext();
            body(fake, ctx);
            ctx.Dispose();
            Equal(0, fake.OpenHandles, "open handles after the test");
        }
    }

    static TerminateOptions Opts(double graceSeconds, TerminateFlags flags = TerminateFlags.None)
    {
        var o = TerminateOptions.Default;
        o.Grace = TimeSpan.FromSeconds(graceSeconds);
        o.Flags = flags;
        return o;
    }

    // ---------------------------------------------------------------------

    static void Errors()
    {
        Check(Library.Version.Split('.').Length == 3, "version");
        Equal("TERMINUS_E_NOT_FOUND", Library.ErrorName(ErrorCode.NotFound), "error name");
        Check(TerminusException.Create(ErrorCode.NotFound, 0, "x") is NotFoundException, "NotFound class");
        Check(TerminusException.Create(ErrorCode.AccessDenied, 0, "x") is AccessDeniedException, "AccessDenied class");
        Check(TerminusException.Create(ErrorCode.Timeout, 0, "x") is TimedOutException, "Timeout class");
        Check(TerminusException.Create(ErrorCode.Refused, 0, "x") is RefusedException, "Refused class");
        Check(TerminusException.Create(ErrorCode.Unsupported, 0, "x") is UnsupportedException, "Unsupported class");
        Check(TerminusException.Create(ErrorCode.Unavailable, 0, "x") is UnavailableException, "Unavailable class");
        Check(TerminusException.Create(ErrorCode.NoMemory, 0, "x") is NoMemoryException, "NoMemory class");
        Check(TerminusException.Create(ErrorCode.OSFailure, 0, "x") is OSFailureException, "OSFailure class");
        Check(TerminusException.Create((ErrorCode)(-100), 0, "x").GetType() == typeof(TerminusException), "unknown code");

        var e = Throws<InvalidArgumentException>(() => Context.Default.Terminate(0u), "pid 0");
        Equal(ErrorCode.InvalidArgument, e.Code, "code");
        Check(e.NativeMessage.Contains("pid 0"), "message names the pid: " + e.NativeMessage);
        Check(e.Result.HasValue && e.Result.Value.Outcome == Outcome.None, "result attached");
        Throws<InvalidArgumentException>(() => Context.Default.Terminate(0x80000000u), "pid above INT32_MAX");
        Throws<InvalidArgumentException>(() => Context.Default.Terminate(-5), "negative pid");
        var bad = TerminateOptions.Default;
        bad.Message = "";
        Throws<InvalidArgumentException>(() => Context.Default.Terminate(42u, bad), "empty message");
        bad = TerminateOptions.Default;
        bad.Version = 7;
        Throws<InvalidArgumentException>(() => Context.Default.Terminate(42u, bad), "bad version");
        Throws<InvalidArgumentException>(() => Context.Default.Terminate(42u, Opts(1, TerminateFlags.Force | TerminateFlags.NoForce)), "both flags");
    }

    static void OwnPidNative()
    {
        int self = Process.GetCurrentProcess().Id;
        try {
            Context.Default.Terminate(self);
            throw new Exception("terminate of our own pid returned");
        } catch (UnsupportedException e) {
            throw UnsupportedHere(e);
        } catch (RefusedException) {
        }
    }

    static void OwnPidFake()
    {
        WithFake((fake, ctx) => {
            Throws<RefusedException>(() => ctx.Terminate(1000u), "own (fake) pid");
            Throws<RefusedException>(() => ctx.Terminate(1u), "system pid");
            fake.AddProcess(42, FakeBehaviour.ExitsOnRequest);
            var e = Throws<InvalidArgumentException>(() => ctx.TerminateMany(new uint[] { 42, 42 }, TerminateOptions.Default), "duplicate");
            Equal(2, e.Results.Length, "results on the exception");
            Equal(ErrorCode.InvalidArgument, e.Results[1].Error, "per-target code");
            Throws<RefusedException>(() => ctx.TerminateMany(new uint[] { 42, 1000 }, TerminateOptions.Default), "own pid among many");
            Equal(0, fake.CallCount(), "no OS call for bad input");
        });
    }

    static void FakeTerminate()
    {
        WithFake((fake, ctx) => {
            fake.AddProcess(42, FakeBehaviour.ExitsOnRequest, 300, 7);
            var r = ctx.Terminate(42u);
            Check(r.Ok, "ok");
            Equal(Outcome.Exited, r.Outcome, "outcome");
            Equal(7u, r.ExitCode, "exit code");
            Equal(300000ul, r.ElapsedUs, "elapsed on the virtual clock");
            Equal(300000ul, fake.NowUs, "clock");
            var info = fake.GetProcess(42);
            Check(!info.Running, "ended");
            Equal(1u, info.Requests, "requests");

            fake.AddProcess(43, FakeBehaviour.Ignores);
            r = ctx.Terminate(43u, Opts(2));
            Equal(Outcome.Forced, r.Outcome, "forced");
            Equal(2000000ul, r.ElapsedUs, "forced after grace");
            Equal(1u, r.ExitCode, "forced exit code");

            fake.AddProcess(44, FakeBehaviour.Gone, 0, 3);
            r = ctx.Terminate(44u);
            Equal(Outcome.Gone, r.Outcome, "gone");
            Equal(3u, r.ExitCode, "gone exit code");
            Equal(0ul, r.ElapsedUs, "gone elapsed");

            fake.AddProcess(45, FakeBehaviour.Ignores);
            r = ctx.Terminate(45u, Opts(5, TerminateFlags.Force));
            Equal(Outcome.Forced, r.Outcome, "kill now");
            Equal(0u, fake.GetProcess(45).Requests, "no request with Force");

            fake.AddProcess(46, FakeBehaviour.Ignores);
            var t = Throws<TimedOutException>(() => ctx.Terminate(46u, Opts(1.5, TerminateFlags.NoForce)), "NoForce");
            Check(t.Result.HasValue && t.Result.Value.Outcome == Outcome.None, "NoForce result");
            Check(fake.GetProcess(46).Running, "NoForce never kills");

            Throws<NotFoundException>(() => ctx.Terminate(4711u), "no such pid");
            fake.AddProcess(47, FakeBehaviour.Denied);
            Throws<AccessDeniedException>(() => ctx.Terminate(47u), "denied");
        });
    }

    static void FakeTerminateMany()
    {
        WithFake((fake, ctx) => {
            fake.AddProcess(10, FakeBehaviour.ExitsOnRequest, 100, 0);
            fake.AddProcess(11, FakeBehaviour.Ignores);
            fake.AddProcess(12, FakeBehaviour.Gone, 0, 5);
            var rs = ctx.TerminateMany(new uint[] { 10, 11, 12, 13 }, Opts(1));
            Equal(4, rs.Length, "count");
            Equal(Outcome.Exited, rs[0].Outcome, "10");
            Equal(100000ul, rs[0].ElapsedUs, "10 elapsed");
            Equal(Outcome.Forced, rs[1].Outcome, "11");
            Equal(1000000ul, rs[1].ElapsedUs, "11 elapsed");
            Equal(Outcome.Gone, rs[2].Outcome, "12");
            Equal(ErrorCode.NotFound, rs[3].Error, "13");
            Check(!rs[3].Ok, "13 not ok");
            Equal(0, ctx.TerminateMany(new uint[0], TerminateOptions.Default).Length, "empty");
        });
    }

    static void FakeFaults()
    {
        WithFake((fake, ctx) => {
            fake.AddProcess(42, FakeBehaviour.ExitsOnRequest);
            fake.Fail("process_open", ErrorCode.AccessDenied, 1, false, 5);
            var e = Throws<AccessDeniedException>(() => ctx.Terminate(42u), "injected");
            Equal(5L, e.OsCode, "os code");
            Equal(1u, fake.FaultsFired, "fired");
            Equal(Outcome.Exited, ctx.Terminate(42u).Outcome, "once only");

            fake.AddSession(2, "Console", "alice");
            fake.Fail("session_list", ErrorCode.Unavailable, 1, true);
            using (var s = ctx.OpenServer()) {
                Throws<UnavailableException>(() => s.Sessions(), "first");
                Throws<UnavailableException>(() => s.Sessions(), "persistent");
            }
            fake.FailClear();
            using (var s = ctx.OpenServer())
                Equal(1, s.Sessions().Length, "after clear");
        });
        // Sweep: fail each primitive call of a terminate in turn.
        for (uint n = 1; ; n++) {
            using (var fake = new Fake()) {
                var ctx = fake.CreateContext();
                fake.AddProcess(42, FakeBehaviour.Ignores);
                fake.AddProcess(43, FakeBehaviour.ExitsOnRequest, 10);
                fake.Fail("*", ErrorCode.OSFailure, n, false, n);
                var rs = ctx.TerminateMany(new uint[] { 42, 43 }, Opts(0.5));
                uint fired = fake.FaultsFired;
                ctx.Dispose();
                Equal(0, fake.OpenHandles, "handles after fault " + n);
                foreach (var r in rs)
                    Check(r.Ok || r.Error == ErrorCode.OSFailure, "fault " + n + ": " + r);
                if (fired == 0) {
                    Check(n > 5, "the sweep covered several calls");
                    break;
                }
            }
        }
    }

    // os_code is an int64_t on every platform: a number above 32 bits comes back whole.
    static void FakeOsCode64()
    {
        WithFake((fake, ctx) => {
            fake.AddProcess(42, FakeBehaviour.ExitsOnRequest);
            fake.Fail("process_open", ErrorCode.OSFailure, 1, false, 0x123456789L);
            var e = Throws<OSFailureException>(() => ctx.Terminate(42u), "injected");
            Equal(0x123456789L, e.OsCode, "os code");
            Check(e.Message.Contains("[os error " + 0x123456789L + "]"), "message shows it: " + e.Message);
            Equal(1u, fake.FaultsFired, "fired");
        });
    }

    static void FakeCallLog()
    {
        WithFake((fake, ctx) => {
            fake.AddProcess(42, FakeBehaviour.Ignores);
            ctx.Terminate(42u, Opts(1, TerminateFlags.Force));
            var log = fake.Calls();
            Check(log.Length > 0 && log[0].StartsWith("process_open(42)"), "first call: " + string.Join(" | ", log));
            Equal(1, fake.CallCount("process_kill"), "kills");
            fake.CallsClear();
            Equal(0, fake.Calls().Length, "cleared");
        });
    }

    static void FakeSessions()
    {
        WithFake((fake, ctx) => {
            fake.AddSession(2, "Console", "alice");
            fake.AddSession(3, "RDP-Tcp#3", "DOMAIN\\bob", SessionState.Disconnected, FakeSessionBehaviour.Ends, 250);
            fake.AddSession(4, "RDP-Tcp#4", "", SessionState.Other, FakeSessionBehaviour.Hangs);
            fake.AddSession(5, "Kiosk", "carol", SessionState.Active, FakeSessionBehaviour.Denied);
            fake.AddSession(7, "Ümlaut", "jürgen");
            fake.SetCurrentSession(2);
            using (var s = ctx.OpenServer()) {
                var list = s.Sessions();
                Equal(5, list.Length, "count");
                Equal(3u, list[1].Id, "id");
                Equal(SessionState.Disconnected, list[1].State, "state");
                Equal("RDP-Tcp#3", list[1].Name, "name");
                Equal("DOMAIN\\bob", list[1].User, "user");
                Equal("Ümlaut", list[4].Name, "UTF-8 name");
                Equal("jürgen", list[4].User, "UTF-8 user");
                Equal(2u, s.Resolve(), "current");
                Equal(3u, s.Resolve("3"), "digits");
                Equal(4u, s.Resolve("rdp-tcp#4"), "name, any case");
                Throws<NotFoundException>(() => s.Resolve("nobody"), "unknown name");
                Throws<InvalidArgumentException>(() => s.Resolve(""), "empty spec");

                s.Logoff(3, true, TimeSpan.FromSeconds(1));
                Check(!fake.SessionExists(3), "3 gone");
                Equal(250000ul, fake.NowUs, "waited on the virtual clock");
                Throws<TimedOutException>(() => s.Logoff("RDP-Tcp#4", true, TimeSpan.FromSeconds(2)), "hangs");
                Throws<AccessDeniedException>(() => s.Logoff(5), "denied");
                Throws<RefusedException>(() => s.Logoff(0), "session 0");
                s.Logoff(Server.CurrentSession, false);
                fake.Advance(TimeSpan.FromSeconds(1));
                Check(!fake.SessionExists(2), "current gone");
            }
            fake.AddServer("far", false);
            Throws<UnavailableException>(() => ctx.OpenServer("far").Dispose(), "unreachable");
            Throws<NotFoundException>(() => ctx.OpenServer("nosuchhost").Dispose(), "unknown server");
            Throws<InvalidArgumentException>(() => ctx.OpenServer("has space").Dispose(), "bad name");
        });
    }

    static void FakeExitAndLogoff()
    {
        WithFake((fake, ctx) => {
            var ran = new List<string>();
            ctx.AtExit(() => ran.Add("first"));
            ctx.AtExit(() => ran.Add("second"));
            ctx.AtExit(() => { throw new InvalidOperationException("a failing hook"); });
            ctx.Exit(3);
            Equal("second,first", string.Join(",", ran), "hooks LIFO");
            uint code;
            bool fast;
            Equal(1u, fake.Exits(out code, out fast), "exits");
            Equal(3u, code, "exit code");
            Check(!fast, "clean");
            ctx.Exit(4);
            Equal(2, ran.Count, "hooks ran once");
            ctx.AtExit(() => ran.Add("third"));
            ctx.Exit(5, true);
            Equal(2, ran.Count, "fast exit runs no hook");
            fake.Exits(out code, out fast);
            Check(fast && code == 5, "fast recorded");

            ctx.Logoff();
            ctx.Logoff(LogoffFlags.Force);
            LogoffFlags flags;
            Equal(2u, fake.Logoffs(out flags), "logoffs");
            Equal(LogoffFlags.Force, flags, "flags");
            Throws<InvalidArgumentException>(() => ctx.Logoff(LogoffFlags.Force | LogoffFlags.ForceIfHung), "both logoff flags");
        });
    }

    static void FakeListener()
    {
        WithFake((fake, ctx) => {
            var reasons = new List<Reason>();
            var hooks = new List<string>();
            ctx.AtExit(() => hooks.Add("hook"));
            using (ctx.Listen(r => { reasons.Add(r); return true; }, 9)) {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Equal(1, fake.Deliver(Reason.Request), "delivered");
            }
            Equal(1, reasons.Count, "called");
            Equal(Reason.Request, reasons[0], "reason");
            Equal("hook", string.Join(",", hooks), "hook ran");
            uint code;
            bool fast;
            Equal(1u, fake.Exits(out code, out fast), "the listener exited");
            Equal(9u, code, "with its exit code");
            Equal(0, fake.Deliver(), "stopped");

            // declines; kept alive without a reference; a throwing callback declines
            ctx.Listen(r => { reasons.Add(r); return false; });
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Equal(1, fake.Deliver(Reason.Logoff), "delivered to an unreferenced listener");
            Equal(Reason.Logoff, reasons[1], "logoff reason");
            Equal(1u, fake.Exits(out code, out fast), "declined: no exit");

            var l2 = ctx.Listen(r => { throw new InvalidOperationException("boom"); });
            fake.Deliver();
            Equal(1u, fake.Exits(out code, out fast), "throwing callback: no exit");
            l2.Dispose();

            // from several threads at once
            int count = 0;
            using (ctx.Listen(r => { Interlocked.Increment(ref count); return false; })) {
                var threads = new List<Thread>();
                for (int i = 0; i < 8; i++) {
                    var t = new Thread(() => fake.Deliver());
                    threads.Add(t);
                    t.Start();
                }
                foreach (var t in threads)
                    t.Join();
            }
            Check(count == 8, "8 deliveries, got " + count);
            Throws<InvalidArgumentException>(() => ctx.Listen(r => true, 0, "").Dispose(), "empty message");
        });
    }

    // --- sessions an administrator acts on --------------------------------------

    static void Durations()
    {
        Equal(TimeSpan.FromMinutes(90), Library.ParseDuration("90m"), "90m");
        Equal(TimeSpan.FromMinutes(90), Library.ParseDuration("1h30m"), "1h30m");
        Equal(TimeSpan.FromMinutes(2 * 1440 + 184), Library.ParseDuration("2+03:04"), "2+03:04");
        var e = Throws<InvalidArgumentException>(() => Library.ParseDuration("90x"), "90x");
        Check(e.Message.Contains("unknown unit 'x'"), "the reason: " + e.Message);
        Equal("none", Library.FormatIdle(null), "unknown");
        Equal(".", Library.FormatIdle(TimeSpan.FromSeconds(30)), "30 s");
        Equal("1:02", Library.FormatIdle(TimeSpan.FromMinutes(62)), "62 min");
    }

    static void FakeAdmin()
    {
        WithFake((fake, ctx) => {
            fake.AddServer("srv");
            fake.AddSession(1, "Console", "alice", SessionState.Active, FakeSessionBehaviour.Ends, 0, "srv");
            fake.AddSession(2, "", "bob", SessionState.Disconnected, FakeSessionBehaviour.Ends, 100, "srv");
            fake.AddSession(3, "RDP-Tcp#3", "DOMAIN\\carol", SessionState.Active, FakeSessionBehaviour.Ends, 0, "srv");
            fake.SetDetails(2, "srv", SessionType.Rdp, SessionClass.User, true, null, Fake.EpochUs - 86400000000L,
                            0, Fake.EpochUs - 3600000000L, "laptop-b", "192.0.2.7");
            fake.SetDetails(3, "srv", SessionType.Rdp, SessionClass.User, true, null, 0, Fake.EpochUs - 600000000L);
            using (var s = ctx.OpenServer("srv")) {
                var d = s.Details();
                Equal(3, d.Length, "details");
                Equal("bob", d[1].User, "user");
                Equal(SessionType.Rdp, d[1].Type, "type");
                Equal(true, d[1].Remote, "remote");
                Equal((bool?)null, d[1].IdleHint, "no idle hint");
                Equal("laptop-b", d[1].Client, "client");
                Equal("192.0.2.7", d[1].Address, "address");
                Equal(Fake.EpochUs, d[1].NowUs, "the fake's clock");
                Equal(TimeSpan.FromHours(1), d[1].Idle, "idle since the disconnect");
                Equal("1:00", d[1].IdleText, "idle text");
                Equal((TimeSpan?)null, d[0].Idle, "unknown idle");

                s.Message(2, "Save your work.", "Maintenance", TimeSpan.FromSeconds(90));
                string last;
                Equal(1u, fake.Messages(2, out last, "srv"), "one message");
                Equal("Maintenance: Save your work.", last, "its text");
                fake.RefuseMessages(3, ErrorCode.Unsupported, "srv");
                Throws<UnsupportedException>(() => s.Message(3, "hello"), "refused");

                var dry = s.LogoffMatching(new SessionSelection { Idle = TimeSpan.FromMinutes(5), DryRun = true });
                Equal(2, dry.Length, "2 and 3 are idle 5 min or more");
                Check(dry[0].IsOk && fake.SessionExists(2, "srv"), "a dry run changes nothing");
                var o = s.LogoffMatching(new SessionSelection {
                    States = new[] { SessionState.Disconnected }, Warn = "bye",
                    Countdown = TimeSpan.FromSeconds(60), Wait = true, Timeout = TimeSpan.FromSeconds(5) });
                Equal(1, o.Length, "one disconnected");
                Check(o[0].IsOk && o[0].Warned && !o[0].EndedEarly, "warned, logged off");
                Check(!fake.SessionExists(2, "srv"), "2 gone");
                Check(fake.NowUs >= 60000000ul, "after the countdown");
                o = s.LogoffMatching(new SessionSelection { User = "carol", Warn = "bye", WarnedOnly = true });
                Check(!o[0].IsOk && o[0].Error is UnsupportedException, "not warned, not logged off");
                Equal(ErrorCode.Unsupported, o[0].WarnStatus, "warn status");
                Throws<NotFoundException>(() => s.LogoffMatching(new SessionSelection { User = "nobody" }), "no session matched");
                Throws<InvalidArgumentException>(() => s.LogoffMatching(new SessionSelection()), "no criterion");

                Equal(0, s.Blockers().Length, "no blocker");
                fake.AddBlocker("notepad.exe", "Unsaved changes", "srv", "shutdown", "block", null, 4242);
                var b = s.Blockers(3);
                Equal(1, b.Length, "a blocker");
                Equal("notepad.exe", b[0].Who, "who");
                Equal("Unsaved changes", b[0].Why, "why");
                Equal((uint?)null, b[0].Uid, "uid unknown");
                Equal(4242u, b[0].Pid, "pid");
            }
        });
    }

    // --- the close chain (options version 2) ----------------------------------

    // The C layout (tests/ffi/layout.c, its path in TERMINUS_TEST_LAYOUT):
    // "struct size N", "struct.member offset N", "NAME value N".
    static Dictionary<string, long> CLayout()
    {
        string path = Environment.GetEnvironmentVariable("TERMINUS_TEST_LAYOUT");
        if (string.IsNullOrEmpty(path))
            throw new Skip("TERMINUS_TEST_LAYOUT is not set (tests/ffi/run-csharp.py sets it)");
        var psi = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardOutput = true };
        var layout = new Dictionary<string, long>();
        using (var p = Process.Start(psi)) {
            string line;
            while ((line = p.StandardOutput.ReadLine()) != null) {
                var f = line.Split(' ');
                layout[f[0] + " " + f[1]] = long.Parse(f[2]);
            }
            p.WaitForExit();
            Equal(0, p.ExitCode, "the layout program");
        }
        return layout;
    }

    static void SameLayout(Dictionary<string, long> c, string cname, Type t, params string[] members)
    {
        Equal(c[cname + " size"], (long)System.Runtime.InteropServices.Marshal.SizeOf(t), cname + " size");
        for (int i = 0; i + 1 < members.Length; i += 2)
            Equal(c[cname + "." + members[i] + " offset"],
                  (long)System.Runtime.InteropServices.Marshal.OffsetOf(t, members[i + 1]),
                  cname + "." + members[i]);
    }

    static void Layout()
    {
        var c = CLayout();
        SameLayout(c, "terminus_terminate_options", typeof(TerminateOptions),
                   "version", "Version", "flags", "Flags", "grace_ms", "GraceMs",
                   "forced_exit_code", "ForcedExitCode", "message", "Message", "steps", "Steps",
                   "reserved", "reserved", "progress", "progress", "progress_arg", "progressArg",
                   "details", "details", "details_count", "detailsCount", "job", "Job");
        SameLayout(c, "terminus_result", typeof(Result), "status", "Status", "outcome", "Outcome",
                   "exit_code", "ExitCode", "elapsed_us", "ElapsedUs");
        SameLayout(c, "terminus_progress", typeof(Progress), "index", "index", "pid", "pid",
                   "event", "evt", "step", "step", "status", "status", "outcome", "outcome",
                   "at_us", "atUs");
        Type detail = typeof(Context).Assembly.GetType("Terminus.NativeDetail", true);
        SameLayout(c, "terminus_detail", detail, "ended_by", "ended_by", "reach", "reach",
                   "sent", "sent", "skipped", "skipped", "step_status", "step_status",
                   "step_at_us", "step_at_us", "kill_at_us", "kill_at_us",
                   "tree_members", "tree_members", "tree_escaped", "tree_escaped",
                   "tree_group", "tree_group");
        SameLayout(c, "terminus_process_info", typeof(ProcessInfo), "pid", "pid", "ppid", "ppid",
                   "session", "session", "uid", "uid", "start", "start", "name", "name");
        SameLayout(c, "terminus_name_filter", typeof(Context).Assembly.GetType("Terminus.NameFilter", true),
                   "version", "Version", "session", "Session", "uid", "Uid", "reserved", "Reserved");
        Equal(c["TERMINUS_TERMINATE_TREE value"], (long)TerminateFlags.Tree, "Tree");
        Equal(c["TERMINUS_TOKEN_MAX value"], (long)Library.TokenMax, "TokenMax");
        Equal(c["TERMINUS_SESSION_NONE value"], (long)ProcessInfo.None, "ProcessInfo.None");
        Equal(c["TERMINUS_OS_NAMES_NOCASE value"], (long)FakeTraits.NamesNoCase, "NamesNoCase");
        Equal(c["TERMINUS_OS_REPARENTS value"], (long)FakeTraits.Reparents, "Reparents");
        SameLayout(c, "terminus_session_info", typeof(SessionInfo));
        SameLayout(c, "terminus_session_details", typeof(SessionDetails), "id", "Id", "state", "State",
                   "name", "name", "user", "user", "type", "Type", "session_class", "Class",
                   "remote", "remote", "idle_hint", "idleHint", "logon_us", "LogonUs",
                   "idle_since_us", "IdleSinceUs", "disconnect_us", "DisconnectUs", "now_us", "NowUs",
                   "client", "client", "address", "address", "seat", "seat", "tty", "tty");
        SameLayout(c, "terminus_session_outcome", typeof(SessionOutcome), "session", "Session",
                   "status", "status", "warn_status", "warnStatus", "warned", "warned",
                   "ended_early", "endedEarly", "message", "message", "warn_message", "warnMessage");
        SameLayout(c, "terminus_blocker", typeof(Blocker), "what", "what", "who", "who", "why", "why",
                   "mode", "mode", "uid", "uid", "pid", "Pid");
        SameLayout(c, "terminus_session_filter", typeof(Context).Assembly.GetType("Terminus.NativeSessionFilter", true),
                   "version", "version", "flags", "flags", "states", "states", "id", "id",
                   "idle_ms", "idle_ms", "user", "user");
        SameLayout(c, "terminus_session_logoff_options", typeof(Context).Assembly.GetType("Terminus.NativeLogoffOptions", true),
                   "version", "version", "flags", "flags", "timeout_ms", "timeout_ms",
                   "countdown_ms", "countdown_ms", "title", "title", "message", "message");
        Equal(c["TERMINUS_SESSION_TYPE_OTHER value"], (long)SessionType.Other, "SessionType.Other");
        Equal(c["TERMINUS_SESSION_CLASS_OTHER value"], (long)SessionClass.Other, "SessionClass.Other");
        Equal(c["TERMINUS_FAKE_EPOCH_US value"], Fake.EpochUs, "Fake.EpochUs");
        SameLayout(c, "terminus_error", typeof(Context).Assembly.GetType("Terminus.NativeError", true));

        Equal(c["TERMINUS_STEPS_ALL value"], (long)Steps.All, "Steps.All");
        Equal(c["TERMINUS_STEPS_DEFAULT value"], (long)Steps.Default, "Steps.Default");
        Equal(c["TERMINUS_E_UNREACHABLE value"], (long)ErrorCode.Unreachable, "ErrorCode.Unreachable");
        Equal(c["TERMINUS_ENDED_KILL value"], (long)EndedBy.Kill, "EndedBy.Kill");
        Equal(c["TERMINUS_ENDED_GONE value"], (long)EndedBy.Gone, "EndedBy.Gone");
        Equal(c["TERMINUS_TERMINATE_BROADCAST value"], (long)TerminateFlags.Broadcast, "Broadcast");
        Equal(c["TERMINUS_TERMINATE_CTRL_BREAK value"], (long)TerminateFlags.CtrlBreak, "CtrlBreak");
        for (long code = -1; code >= c["TERMINUS_E_LAST value"]; code--)
            Check(TerminusException.Create((ErrorCode)code, 0, "x").GetType() != typeof(TerminusException),
                  "a class for code " + code);
    }

    static void ChainConstants()
    {
        Equal(-10, (int)ErrorCode.Unreachable, "Unreachable code");
        Check(TerminusException.Create(ErrorCode.Unreachable, 0, "x") is UnreachableException, "Unreachable class");
        Equal("TERMINUS_E_UNREACHABLE", Library.ErrorName(ErrorCode.Unreachable), "error name");
        Equal("no request can reach the target", Library.StrError(ErrorCode.Unreachable), "strerror");
        Equal(0x1Fu, (uint)Steps.All, "all steps");
        Equal(Steps.Message | Steps.Close | Steps.Console, Steps.Default, "default steps");
        var o = TerminateOptions.Default;
        Equal(2u, o.Version, "Default is version 2");
        Equal(Steps.Default, o.Steps, "Default steps");
    }

    // --- processes by identity -------------------------------------------------

    static void ProcessListFake()
    {
        WithFake((fake, ctx) => {
            Equal(0, ctx.ProcessList().Length, "an empty listing");
            fake.Advance(TimeSpan.FromTicks(70)); // 7 us
            fake.AddProcess(42, FakeBehaviour.Ignores);
            fake.SetParent(42, 41);
            fake.SetName(42, "sleep");
            fake.SetOwner(42, 3, 1001);
            fake.AddProcess(43, FakeBehaviour.Gone);
            fake.AddProcessAt(44, FakeBehaviour.Ignores, 100); // not started yet
            var list = ctx.ProcessList();
            Equal(1, list.Length, "listed");
            Equal(42u, list[0].Pid, "pid");
            Equal(41u, list[0].ParentPid, "parent");
            Equal((uint?)3, list[0].Session, "session");
            Equal((uint?)1001, list[0].Uid, "uid");
            Equal(7ul, list[0].Start, "start");
            Equal("sleep", list[0].Name, "name");
            fake.AddProcess(45, FakeBehaviour.Ignores);
            list = ctx.ProcessList();
            Equal((uint?)null, list[1].Session, "no session");
            Equal("fake-45", list[1].Name, "default name");
        });
    }

    static void TokensFake()
    {
        WithFake((fake, ctx) => {
            fake.AddProcess(42, FakeBehaviour.ExitsOnRequest, 100, 5);
            string token = ctx.ProcessToken(42);
            Equal("t1." + Fake.BootId + ".42.0.1", token, "the token");
            TerminateDetail d;
            Result r = ctx.TerminateToken(token, Opts(1), out d);
            Equal(Outcome.Exited, r.Outcome, "ended by its token");
            Equal(5u, r.ExitCode, "its exit code");
            Equal(EndedBy.Message, d.EndedBy, "ended by the message");
            var e = Throws<NotFoundException>(() => ctx.TerminateToken(token), "once ended: not found");
            Equal(ErrorCode.NotFound, e.Result.Value.Error, "its result");
            // the pid reused by another process: nothing sent to it
            fake.AddProcessAt(42, FakeBehaviour.Ignores, fake.NowUs + 5);
            fake.Advance(TimeSpan.FromMilliseconds(1));
            fake.CallsClear();
            Throws<NotFoundException>(() => ctx.TerminateToken(token), "a reused pid: not found");
            Equal(0, fake.CallCount("process_step") + fake.CallCount("process_kill"), "nothing sent");
            Check(fake.GetProcess(42).Running, "the new process runs");
            // another boot
            string t2 = ctx.ProcessToken(42);
            fake.SetBootId("boot2");
            Check(Throws<NotFoundException>(() => ctx.TerminateToken(t2), "another boot").Message.Contains("another boot"),
                  "says another boot");
            // malformed
            var bad = Throws<InvalidArgumentException>(() => ctx.TerminateToken("t1.b.042.0.1"), "malformed");
            Check(bad.Message.Contains("leading zero"), "says why: " + bad.Message);
            Throws<ArgumentNullException>(() => ctx.TerminateToken(null), "null token");
        });
    }

    static void ByNameFake()
    {
        WithFake((fake, ctx) => {
            fake.AddProcess(52, FakeBehaviour.ExitsOnRequest, 10);
            fake.SetName(52, "sleep");
            fake.AddProcess(50, FakeBehaviour.Ignores);
            fake.SetName(50, "sleep");
            fake.AddProcess(51, FakeBehaviour.Ignores);
            fake.SetName(51, "Sleep");
            uint[] pids;
            TerminateDetail[] details;
            Result[] results = ctx.TerminateName("sleep", Opts(0.5), out pids, out details);
            Equal(2, results.Length, "two match");
            Equal(50u, pids[0], "in pid order");
            Equal(Outcome.Forced, results[0].Outcome, "the stubborn one killed");
            Equal(Outcome.Exited, results[1].Outcome, "the other left");
            Check(details[1] != null && details[1].EndedBy == EndedBy.Message, "its detail");
            Check(fake.GetProcess(51).Running, "Linux: exactly the name");
            Throws<NotFoundException>(() => ctx.TerminateName("sleep", Opts(0.5), out pids), "nothing left");
            Throws<InvalidArgumentException>(() => ctx.TerminateName("a/b", Opts(0.5), out pids), "a path");
        });
        using (var fake = new Fake()) {
            fake.SetTraits(FakeTraits.NamesNoCase);
            using (var ctx = fake.CreateContext()) {
                fake.AddProcess(60, FakeBehaviour.ExitsOnRequest);
                fake.SetName(60, "notepad.exe");
                fake.SetOwner(60, 2, null);
                fake.AddProcess(61, FakeBehaviour.ExitsOnRequest);
                fake.SetName(61, "NOTEPAD.EXE");
                fake.SetOwner(61, 3, null);
                uint[] pids;
                ctx.TerminateName("Notepad.Exe", Opts(1), out pids, 3);
                Equal(1, pids.Length, "session 3 only");
                Equal(61u, pids[0], "the one in session 3");
            }
        }
    }

    static void TreeFake()
    {
        WithFake((fake, ctx) => {
            fake.AddProcess(50, FakeBehaviour.ExitsOnRequest, 20);
            fake.AddProcess(51, FakeBehaviour.Ignores);
            fake.SetParent(51, 50);
            fake.ForkOn(51, Steps.Message, 70);
            TerminateDetail d;
            Result r = ctx.Terminate(50u, Opts(1, TerminateFlags.Tree), out d);
            Equal(Outcome.Exited, r.Outcome, "the target left");
            Equal(3u, d.TreeMembers, "its tree: itself, its child, the child's fork");
            Equal(0u, d.TreeEscaped, "nothing escaped");
            Check(!fake.GetProcess(70).Running, "the fork was found and ended");
            // a member that cannot be killed: the tree's result
            fake.AddProcess(80, FakeBehaviour.ExitsOnRequest, 5);
            fake.AddProcess(81, FakeBehaviour.KillDenied);
            fake.SetParent(81, 80);
            var e = Throws<AccessDeniedException>(() => ctx.Terminate(80u, Opts(0.1, TerminateFlags.Tree), out d),
                                                  "a member could not be ended");
            Equal(1u, e.Detail.TreeEscaped, "one escaped");
            // a tree that holds the caller
            fake.AddProcess(900, FakeBehaviour.Ignores);
            fake.AddProcess(1000, FakeBehaviour.Ignores);
            fake.SetParent(1000, 900);
            Throws<RefusedException>(() => ctx.TerminateMany(new uint[] { 900 }, Opts(1, TerminateFlags.Tree)),
                                     "the caller's parent's tree");
        });
    }

    // A tree in a group (a cgroup, a job object): the group is the tree when it holds it alone,
    // and always when given as the Job.
    static void TreeGroupFake()
    {
        WithFake((fake, ctx) => {
            foreach (uint pid in new uint[] { 50, 51, 52 }) {
                fake.AddProcess(pid, FakeBehaviour.Ignores);
                fake.SetGroup(pid, 5);
            }
            fake.SetParent(51, 50);
            fake.SetParent(52, 51);
            TerminateDetail d;
            Result r = ctx.Terminate(50u, Opts(0.2, TerminateFlags.Tree), out d);
            Equal(Outcome.Forced, r.Outcome, "the target was killed");
            Check(d.TreeGroup, "the group held the tree alone: it was the tree");
            Equal(3u, d.TreeMembers, "three members");
            Equal(1, fake.CallCount("group_kill"), "the group killed once");
            // a job: every process in it, one re-parented away included
            foreach (uint pid in new uint[] { 60, 61, 62 }) {
                fake.AddProcess(pid, FakeBehaviour.Ignores);
                fake.SetGroup(pid, 7);
            }
            fake.SetParent(61, 60);
            fake.SetParent(62, 1);
            var o = Opts(0.2, TerminateFlags.Tree);
            o.Job = (IntPtr)7;
            r = ctx.Terminate(60u, o, out d);
            Check(d.TreeGroup && d.TreeMembers == 3, "the job was the tree");
            Check(!fake.GetProcess(62).Running, "the re-parented member of the job ended");
            // a job without Tree, a target not in the job, a caller in it
            fake.AddProcess(70, FakeBehaviour.Ignores);
            o.Flags = TerminateFlags.None;
            Throws<InvalidArgumentException>(() => ctx.Terminate(70u, o), "a job without Tree");
            o.Flags = TerminateFlags.Tree;
            Throws<InvalidArgumentException>(() => ctx.Terminate(70u, o), "not in the job");
            fake.SetGroup(70, 8);
            fake.SetSelfGroup(8);
            o.Job = (IntPtr)8;
            Throws<RefusedException>(() => ctx.Terminate(70u, o), "the caller is in the job");
            Check(fake.GetProcess(70).Running && fake.GetProcess(70).Requests == 0, "nothing sent");
        });
    }

    static TerminateOptions Chain(double graceSeconds, Steps steps, TerminateFlags flags = TerminateFlags.None)
    {
        var o = Opts(graceSeconds, flags);
        o.Steps = steps;
        return o;
    }

    static void ChainBadInput()
    {
        WithFake((fake, ctx) => {
            fake.AddProcess(42, FakeBehaviour.Ignores);
            TerminateDetail d;
            var e = Throws<InvalidArgumentException>(() => ctx.Terminate(42u, Chain(1, (Steps)0x20), out d), "unknown step bit");
            Check(e.NativeMessage.Contains("steps"), "names the steps: " + e.NativeMessage);
            Check(e.Detail == null, "no detail for a call rejected as a whole");
            e = Throws<InvalidArgumentException>(() => ctx.Terminate(42u, Chain(1, Steps.None)), "no step without Force");
            Check(e.NativeMessage.Contains("steps"), "names the steps: " + e.NativeMessage);
            TerminateDetail[] ds;
            e = Throws<InvalidArgumentException>(() => ctx.TerminateMany(new uint[] { 42, 42 }, Chain(1, Steps.SigHup), out ds), "duplicate");
            Equal(2, e.Details.Length, "details on the exception");
            Check(e.Details[0] == null && e.Details[1] == null, "and none filled");
            Equal(0, fake.CallCount(), "no OS call for bad input");
            var r = ctx.Terminate(42u, Chain(1, Steps.None, TerminateFlags.Force), out d);
            Equal(Outcome.Forced, r.Outcome, "no step with Force: killed");
            Equal(EndedBy.Kill, d.EndedBy, "ended by the kill");
        });
    }

    static void ChainDetailAndProgress()
    {
        WithFake((fake, ctx) => {
            fake.AddProcess(42, FakeBehaviour.Ignores);
            fake.AddProcess(43, FakeBehaviour.ExitsOnRequest, 100, 3);
            var seen = new List<Progress>();
            TerminateDetail[] ds;
            var rs = ctx.TerminateMany(new uint[] { 42, 43 }, Opts(2), out ds, p => seen.Add(p));
            Equal(Outcome.Forced, rs[0].Outcome, "42 forced");
            Equal(Outcome.Exited, rs[1].Outcome, "43 exited");
            Equal(EndedBy.Kill, ds[0].EndedBy, "42 ended by the kill");
            Equal(EndedBy.Message, ds[1].EndedBy, "43 ended by the message");
            foreach (var d in ds) {
                Check((d.Sent & Steps.Message) != 0, "the message went out: " + d);
                Equal(Steps.Default, d.Sent | d.Skipped, "every default step sent or skipped: " + d);
                foreach (Steps s in new[] { Steps.Message, Steps.Close, Steps.Console }) {
                    if ((d.Sent & s) != 0) {
                        Equal(ErrorCode.Ok, d.StatusOf(s), s + " status");
                        Check(d.SentAt(s).HasValue, s + " time");
                    } else {
                        Check(d.StatusOf(s) != ErrorCode.Ok, s + " skipped with a reason");
                        Check(!d.SentAt(s).HasValue, s + " no time");
                    }
                }
            }
            Check(ds[0].KillAt.HasValue && ds[0].KillAt.Value >= TimeSpan.FromSeconds(2), "42 killed after the grace");
            Check(!ds[1].KillAt.HasValue, "43 not killed");
            Throws<ArgumentException>(() => ds[0].StatusOf(Steps.Message | Steps.Close), "one step at a time");
            Check(seen.Count >= 4, "events: " + seen.Count);
            ulong last = 0;
            foreach (var p in seen) {
                Check(p.AtUs >= last, "in time order");
                last = p.AtUs;
                Equal(p.Index == 0 ? 42u : 43u, p.Pid, "index and pid agree");
            }
            Check(seen.Exists(p => p.Event == ProgressEvent.Kill && p.Pid == 42), "the kill of 42");
            Check(seen.FindAll(p => p.Event == ProgressEvent.Ended).Count == 2, "two ends");
            var ended = seen.Find(p => p.Event == ProgressEvent.Ended && p.Pid == 43);
            Equal(Outcome.Exited, ended.Outcome, "43's end");
        });
    }

    static void ChainProgressThrows()
    {
        WithFake((fake, ctx) => {
            fake.AddProcess(42, FakeBehaviour.Ignores);
            fake.AddProcess(43, FakeBehaviour.Ignores);
            int calls = 0;
            TerminateDetail[] ds;
            Throws<KeyNotFoundException>(() => ctx.TerminateMany(new uint[] { 42, 43 }, Opts(1), out ds, p => {
                calls++;
                GC.Collect(); // the delegate must survive a collection during the call
                throw new KeyNotFoundException("from the callback");
            }), "the callback's exception, after the call");
            Equal(1, calls, "not called again once it threw");
            Equal(1u, fake.GetProcess(42).Kills, "42 handled to the end");
            Equal(1u, fake.GetProcess(43).Kills, "43 handled to the end");
        });
    }

    static void ChainUnreachable()
    {
        WithFake((fake, ctx) => {
            fake.AddProcess(42, FakeBehaviour.Ignores);
            fake.Fail("process_step", ErrorCode.Unreachable, 1, true);
            TerminateDetail d;
            var e = Throws<UnreachableException>(() => ctx.Terminate(42u, Opts(5, TerminateFlags.NoForce), out d), "NoForce");
            Check(e.Result.HasValue && e.Result.Value.Outcome == Outcome.None, "result attached");
            Check(fake.NowUs < 5000000, "at once, not after the grace");
            Check(fake.GetProcess(42).Running, "NoForce never kills");
            var r = ctx.Terminate(42u, Opts(5), out d);
            Equal(Outcome.Forced, r.Outcome, "killed at once");
            Check(fake.NowUs < 5000000, "without the grace");
            Equal(EndedBy.Kill, d.EndedBy, "ended by the kill");
            Equal(Steps.None, d.Sent, "nothing sent");
            Equal(ErrorCode.Unreachable, d.StatusOf(Steps.Message), "the message could not reach it");
        });
    }

    static void ChainFakeScripting()
    {
        Equal(Steps.Message | Steps.SigInt | Steps.SigHup, Fake.ReachDefault, "ReachDefault");
        WithFake((fake, ctx) => {
            // a program with a listener, windows and a console that closes on WM_CLOSE
            fake.AddProcess(42, FakeBehaviour.Ignores);
            fake.SetReach(42, Steps.Default);
            fake.ExitOn(42, Steps.Close, 100);
            TerminateDetail d;
            var r = ctx.Terminate(42u, Opts(3), out d);
            Equal(Outcome.Exited, r.Outcome, "closed");
            Equal(EndedBy.Close, d.EndedBy, "ended by WM_CLOSE");
            Equal(Steps.Message | Steps.Close, d.Sent, "message, then close");
            Equal(TimeSpan.FromSeconds(1), d.SentAt(Steps.Close).Value - d.SentAt(Steps.Message).Value,
                  "close a third of the grace later");
            Equal(1u, fake.StepCount(42, Steps.Close), "one WM_CLOSE");

            // nothing reaches it: killed at once
            fake.AddProcess(43, FakeBehaviour.Ignores);
            fake.SetReach(43, Steps.None);
            ulong before = fake.NowUs;
            r = ctx.Terminate(43u, Opts(5), out d);
            Equal(Outcome.Forced, r.Outcome, "killed");
            Equal(before, fake.NowUs, "at once");
            Equal(Steps.None, d.Reach, "nothing reached it");

            // a refused step is skipped at once
            fake.AddProcess(44, FakeBehaviour.Ignores);
            fake.DenySteps(44, Steps.Message);
            fake.ExitOn(44, Steps.SigHup, 10, 129);
            var seen = new List<Progress>();
            r = ctx.Terminate(44u, Chain(2, Steps.Message | Steps.SigHup), out d, p => seen.Add(p));
            Equal(EndedBy.SigHup, d.EndedBy, "ended by SIGHUP");
            Equal(ErrorCode.AccessDenied, d.StatusOf(Steps.Message), "the message refused");
            Equal(ErrorCode.AccessDenied, seen[0].Status, "and the progress says so");
            Throws<InvalidArgumentException>(() => fake.StepCount(44, Steps.Message | Steps.Close), "one step");
        });
    }

    static void RealSignalSteps()
    {
        var psi = new ProcessStartInfo("/bin/sh", "-c \"trap '' TERM; trap 'exit 5' INT; echo ready; while :; do sleep 0.05; done\"");
        psi.UseShellExecute = false;
        psi.RedirectStandardOutput = true;
        var p = Process.Start(psi);
        try {
            Equal("ready", p.StandardOutput.ReadLine(), "child started");
            TerminateDetail d;
            var seen = new List<Progress>();
            Result r;
            try {
                r = Context.Default.Terminate(p.Id, Chain(10, Steps.SigInt), out d, x => seen.Add(x));
            } catch (UnsupportedException e) {
                throw UnsupportedHere(e);
            }
            Equal(Outcome.Exited, r.Outcome, "outcome");
            Check(!r.ExitCodeKnown || r.ExitCode == 5, "its trap's exit code (or unknown): " + r);
            Equal(EndedBy.SigInt, d.EndedBy, "ended by SIGINT");
            Equal(Steps.SigInt, d.Sent, "only SIGINT sent");
            Equal(2, seen.Count, "STEP and ENDED");
            Equal(Steps.SigInt, seen[0].Step, "the step");
            Check(p.WaitForExit(10000), "Process sees the end");
        } finally {
            Cleanup(p);
        }
    }

    // --- real processes (native backend) ----------------------------------

    static Process Spawn(bool ignoreTerm)
    {
        var psi = new ProcessStartInfo("/bin/sh", ignoreTerm ? "-c \"trap '' TERM; echo ready; exec sleep 60\""
                                                             : "-c \"echo ready; exec sleep 60\"");
        psi.UseShellExecute = false;
        psi.RedirectStandardOutput = true;
        var p = Process.Start(psi);
        string line = p.StandardOutput.ReadLine();
        if (line != "ready") {
            Cleanup(p);
            throw new Exception("child did not start: " + line);
        }
        Thread.Sleep(50); // let the exec happen
        return p;
    }

    // Kill a child a test left running; one terminus just ended may not be reaped yet.
    static void Cleanup(Process p)
    {
        try {
            if (!p.WaitForExit(0))
                p.Kill();
            p.WaitForExit(10000);
        } catch (Exception) {
        }
    }

    // Linux has a native backend: there, Unsupported is a failure, never a skip.
    static Exception UnsupportedHere(UnsupportedException e)
    {
        if (Environment.OSVersion.Platform == PlatformID.Unix)
            return new Exception("the native backend must terminate processes here: " + e.NativeMessage);
        return new Skip("the native backend cannot terminate processes: " + e.NativeMessage);
    }

    static Result TerminateOrSkip(Process p, TerminateOptions o)
    {
        try {
            return Context.Default.Terminate(p.Id, o);
        } catch (UnsupportedException e) {
            Cleanup(p);
            throw UnsupportedHere(e);
        }
    }

    static void RealGraceful()
    {
        var p = Spawn(false);
        try {
            var r = TerminateOrSkip(p, Opts(10));
            Equal(Outcome.Exited, r.Outcome, "outcome");
            Check(!r.ExitCodeKnown || r.ExitCode == 143, "exit code 128 + SIGTERM (or unknown): " + r);
            Check(r.ElapsedUs < 10000000, "within grace");
            Check(p.WaitForExit(10000), "Process sees the end");
        } finally {
            Cleanup(p);
        }
    }

    static void RealForced()
    {
        var p = Spawn(true);
        try {
            var r = TerminateOrSkip(p, Opts(0.3));
            Equal(Outcome.Forced, r.Outcome, "outcome");
            Check(r.ElapsedUs >= 300000, "after the grace period: " + r);
            Check(!r.ExitCodeKnown || r.ExitCode == 137, "exit code 128 + SIGKILL (or unknown): " + r);
            Check(p.WaitForExit(10000), "Process sees the end");
        } finally {
            Cleanup(p);
        }
    }

    static void RealKillNow()
    {
        var p = Spawn(false);
        try {
            var r = TerminateOrSkip(p, Opts(5, TerminateFlags.Force));
            Equal(Outcome.Forced, r.Outcome, "outcome");
            Check(p.WaitForExit(10000), "Process sees the end");
        } finally {
            Cleanup(p);
        }
    }

    static void RealNotFound()
    {
        var p = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false });
        p.WaitForExit();
        int pid = p.Id;
        p.Dispose();
        Thread.Sleep(100);
        try {
            Context.Default.Terminate(pid);
            throw new Exception("terminate of a pid that does not exist returned");
        } catch (UnsupportedException e) {
            throw UnsupportedHere(e);
        } catch (NotFoundException e) {
            Check(e.NativeMessage.Contains(pid.ToString()), "names the pid: " + e.NativeMessage);
        }
    }

    // The child side of RealListener: listen, say "ready", wait to be asked.
    static int ListenerChild()
    {
        Context.Default.AtExit(() => Console.WriteLine("hook ran"));
        try {
            Context.Default.Listen(r => { Console.WriteLine("saving " + (int)r); return true; }, 4);
        } catch (UnsupportedException e) {
            Console.WriteLine("unsupported: " + e.NativeMessage);
            return 0;
        }
        Console.WriteLine("ready");
        Console.Out.Flush();
        Thread.Sleep(60000);
        return 10;
    }

    static void RealListener()
    {
        string exe = System.Reflection.Assembly.GetExecutingAssembly().Location;
        var psi = new ProcessStartInfo("mono", "\"" + exe + "\" --listener-child");
        psi.UseShellExecute = false;
        psi.RedirectStandardOutput = true;
        var p = Process.Start(psi);
        try {
            string line = p.StandardOutput.ReadLine();
            if (line != null && line.StartsWith("unsupported:")) {
                if (Environment.OSVersion.Platform == PlatformID.Unix)
                    throw new Exception("the native backend must listen here: " + line);
                throw new Skip("the native backend cannot listen: " + line);
            }
            Equal("ready", line, "child started");
            var r = TerminateOrSkip(p, Opts(10));
            Equal(Outcome.Exited, r.Outcome, "outcome");
            Check(!r.ExitCodeKnown || r.ExitCode == 4, "the listener's exit code (or unknown): " + r);
            string rest = p.StandardOutput.ReadToEnd();
            Check(rest.Contains("saving 1"), "the callback ran: " + rest);
            Check(rest.Contains("hook ran"), "the at-exit hook ran: " + rest);
            Check(p.WaitForExit(10000), "Process sees the end");
            Equal(4, p.ExitCode, "Process's exit code");
        } finally {
            Cleanup(p);
        }
    }

    static int Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "--listener-child")
            return ListenerChild();
        Run("typed exceptions for bad input", Errors);
        Run("own pid refused (native)", OwnPidNative);
        Run("own and system pid refused (fake)", OwnPidFake);
        Run("terminate through the fake", FakeTerminate);
        Run("terminate many through the fake", FakeTerminateMany);
        Run("fault injection", FakeFaults);
        Run("os_code is 64 bits", FakeOsCode64);
        Run("call log", FakeCallLog);
        Run("sessions through the fake", FakeSessions);
        Run("durations and idle text", Durations);
        Run("sessions an administrator acts on, through the fake", FakeAdmin);
        Run("exit hooks and logoff through the fake", FakeExitAndLogoff);
        Run("listener through the fake", FakeListener);
        Run("real child: graceful", RealGraceful);
        Run("real child: forced after grace", RealForced);
        Run("real child: kill now", RealKillNow);
        Run("real pid that does not exist", RealNotFound);
        Run("real child: a listener saves and exits", RealListener);
        Run("struct layout and constants as C has them", Layout);
        Run("close chain constants", ChainConstants);
        Run("close chain: bad input", ChainBadInput);
        Run("close chain: details and progress", ChainDetailAndProgress);
        Run("close chain: a throwing progress callback", ChainProgressThrows);
        Run("close chain: unreachable", ChainUnreachable);
        Run("close chain: the fake's scripting", ChainFakeScripting);
        Run("real child: the signal steps", RealSignalSteps);
        Run("process list through the fake", ProcessListFake);
        Run("identity tokens through the fake", TokensFake);
        Run("by image name through the fake", ByNameFake);
        Run("trees through the fake", TreeFake);
        Run("trees in a group or a job through the fake", TreeGroupFake);
        Console.WriteLine("{0} passed, {1} failed, {2} skipped", passed, failed, skipped);
        return failed == 0 ? 0 : 1;
    }
}
