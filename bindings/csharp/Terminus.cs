// Terminus.cs: C# bindings of libterminus (P/Invoke). One file, one
// namespace; compiles with mono's mcs and with any .NET Standard 2.0 or later
// compiler:  mcs -target:library -out:Terminus.dll Terminus.cs
//
// The native library is bound as [DllImport("terminus")]:
//  - Linux: the loader finds libterminus.so through LD_LIBRARY_PATH or the
//    system paths; Terminus.dll.config (a mono dllmap) maps it to the
//    runtime name libterminus.so.0, which needs no -dev symlink.
//  - Windows: the DLL is libterminus-0.dll. On .NET Core 3.0 / .NET 5 and
//    later a DllImportResolver (installed through reflection, so that this
//    file still compiles against mono and .NET Framework) loads it, after the
//    path in TERMINUS_LIBRARY; mono reads the dllmap; on .NET Framework copy
//    it as terminus.dll next to your program.
// Every export is cdecl, and so are the three callback types.

using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Terminus
{
    // ------------------------------------------------------------------
    // Codes and enums: the numbers of the C headers, fixed on every platform.
    // ------------------------------------------------------------------

    /// <summary>The TERMINUS_* codes.</summary>
    public enum ErrorCode
    {
        Ok = 0,
        InvalidArgument = -1,
        NotFound = -2,
        AccessDenied = -3,
        Timeout = -4,
        Refused = -5,
        Unsupported = -6,
        Unavailable = -7,
        NoMemory = -8,
        OSFailure = -9,
        /// <summary>No graceful request can reach the target (0.2).</summary>
        Unreachable = -10,
    }

    /// <summary>What happened to a terminate target (TERMINUS_OUTCOME_*).</summary>
    public enum Outcome
    {
        /// <summary>Nothing happened: an error, or still running (see Result.Status).</summary>
        None = 0,
        /// <summary>It left by itself after the request, within the grace period.</summary>
        Exited = 1,
        /// <summary>It was killed.</summary>
        Forced = 2,
        /// <summary>It had already exited.</summary>
        Gone = 3,
    }

    /// <summary>The state of a session (TERMINUS_SESSION_*).</summary>
    public enum SessionState
    {
        Active = 0,
        Connected = 1,
        Disconnected = 4,
        /// <summary>A listener (the RDP listener on Windows); never logged off.</summary>
        Listen = 6,
        /// <summary>Down (Windows); never logged off.</summary>
        Down = 8,
        Other = 9,
        /// <summary>Being initialized (Windows); never logged off.</summary>
        Init = 10,
    }

    /// <summary>Why a listener's callback runs (TERMINUS_REASON_*).</summary>
    public enum Reason
    {
        /// <summary>A terminate request for this process.</summary>
        Request = 1,
        /// <summary>The session is ending.</summary>
        Logoff = 2,
    }

    /// <summary>Terminate flags (NoForce and Force exclude each other).</summary>
    [Flags]
    public enum TerminateFlags : uint
    {
        None = 0,
        /// <summary>Never kill: a target still running after the grace period fails with Timeout,
        /// one that no request can reach with Unreachable at once.</summary>
        NoForce = 0x1,
        /// <summary>Skip the requests and kill at once.</summary>
        Force = 0x2,
        /// <summary>Windows: the message step broadcasts the registered message to every
        /// top-level window instead of posting it to the target's listener (options version 2).</summary>
        Broadcast = 0x4,
        /// <summary>Windows: the console step sends Ctrl+Break instead of Ctrl+C (options version 2).</summary>
        CtrlBreak = 0x8,
    }

    /// <summary>
    /// The steps of the close chain (TERMINUS_STEP_*): the graceful requests of a
    /// terminate, in the order they go out. Each one that can reach a target gets an
    /// equal share of the grace period; one that cannot is skipped for it at once. A
    /// step of the other platform never reaches anything, so one set serves both.
    /// </summary>
    [Flags]
    public enum Steps : uint
    {
        /// <summary>No step: only with TerminateFlags.Force.</summary>
        None = 0,
        /// <summary>Windows: the registered message to the target's listener; Linux: SIGTERM.</summary>
        Message = 0x01,
        /// <summary>Windows: WM_CLOSE to each top-level window of the target (taskkill without /F).</summary>
        Close = 0x02,
        /// <summary>Windows: Ctrl+C (Ctrl+Break with CtrlBreak) to a console program, to it alone.</summary>
        Console = 0x04,
        /// <summary>Linux: SIGINT, for programs that clean up on Ctrl+C.</summary>
        SigInt = 0x08,
        /// <summary>Linux: SIGHUP, for programs that end when their terminal goes.</summary>
        SigHup = 0x10,
        /// <summary>Every step (TERMINUS_STEPS_ALL).</summary>
        All = 0x1F,
        /// <summary>The default chain (TERMINUS_STEPS_DEFAULT): Windows: message, close, console; Linux: SIGTERM.</summary>
        Default = Message | Close | Console,
    }

    /// <summary>What ended a target (TERMINUS_ENDED_*, or the step that went out last before it left).</summary>
    public enum EndedBy : uint
    {
        /// <summary>It did not end (an error, or still running with NoForce).</summary>
        None = 0,
        /// <summary>It left after the message (Linux: SIGTERM).</summary>
        Message = 0x01,
        /// <summary>It left after WM_CLOSE.</summary>
        Close = 0x02,
        /// <summary>It left after Ctrl+C (Ctrl+Break).</summary>
        Console = 0x04,
        /// <summary>It left after SIGINT.</summary>
        SigInt = 0x08,
        /// <summary>It left after SIGHUP.</summary>
        SigHup = 0x10,
        /// <summary>The kill.</summary>
        Kill = 0x100,
        /// <summary>It had already ended before anything was sent.</summary>
        Gone = 0x200,
    }

    /// <summary>What a Progress reports (TERMINUS_PROGRESS_*).</summary>
    public enum ProgressEvent
    {
        /// <summary>A step went out to a target, or was skipped for it (see Progress.Status).</summary>
        Step = 1,
        /// <summary>The kill went out to a target.</summary>
        Kill = 2,
        /// <summary>A target ended, or its result is settled.</summary>
        Ended = 3,
    }

    /// <summary>Flags of Context.Logoff (exclusive).</summary>
    [Flags]
    public enum LogoffFlags : uint
    {
        None = 0,
        /// <summary>Do not ask applications (they may lose data).</summary>
        Force = 0x1,
        /// <summary>Force only the applications that do not answer.</summary>
        ForceIfHung = 0x2,
    }

    // ------------------------------------------------------------------
    // Structs with the C layout.
    // ------------------------------------------------------------------

    /// <summary>How to terminate (terminus_terminate_options). Start from
    /// <see cref="Default"/>, which the library fills in (version 2). The detail
    /// array and the progress callback are given to Context.Terminate and
    /// Context.TerminateMany, which set the members that point to them.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TerminateOptions
    {
        /// <summary>TERMINUS_TERMINATE_OPTIONS_VERSION_2 (2); 1 reads nothing past Message
        /// (the default Steps, no details, no progress).</summary>
        public uint Version;
        /// <summary>None, NoForce or Force, with Broadcast and CtrlBreak.</summary>
        public TerminateFlags Flags;
        /// <summary>How long the targets have to leave after the request, in ms (default 5000).</summary>
        public uint GraceMs;
        /// <summary>The exit code a kill gives where the OS lets the killer choose (Windows); default 1.</summary>
        public uint ForcedExitCode;
        /// <summary>The registered message name (Windows), UTF-8 on the wire; null = the default.</summary>
        [MarshalAs(UnmanagedType.LPUTF8Str)]
        public string Message;
        /// <summary>The close chain (version 2); default Steps.Default; None only with Force.</summary>
        public Steps Steps;
#pragma warning disable 0169, 0649 // set by the library only: reserved, and what the calls point to
        private uint reserved;
        internal IntPtr progress;
        internal IntPtr progressArg;
        internal IntPtr details;
        internal UIntPtr detailsCount;
#pragma warning restore 0169, 0649

        /// <summary>The defaults: version 2, no flags, 5 s of grace, forced exit code 1,
        /// Steps.Default.</summary>
        public static TerminateOptions Default
        {
            get
            {
                Loader.Ensure();
                var o = new TerminateOptions();
                Error.Check(Native.terminus_terminate_options_init(ref o, 2));
                return o;
            }
        }

        /// <summary>GraceMs as a TimeSpan.</summary>
        public TimeSpan Grace
        {
            get { return TimeSpan.FromMilliseconds(GraceMs); }
            set { GraceMs = Error.Milliseconds("Grace", value); }
        }
    }

    /// <summary>What happened to one target (terminus_result).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Result
    {
        /// <summary>The exit code when it cannot be known.</summary>
        public const uint ExitCodeUnknown = uint.MaxValue;

        /// <summary>0 (Ok) or a TERMINUS_E_* code, for this target.</summary>
        public int Status;
        /// <summary>What happened.</summary>
        public Outcome Outcome;
        /// <summary>The target's exit code, or ExitCodeUnknown (on Linux, 128 + N for signal N).</summary>
        public uint ExitCode;
        /// <summary>From the request (the kill, with Force) to the observed end, in microseconds; 0 for Gone.</summary>
        public ulong ElapsedUs;

        /// <summary>Status as an ErrorCode.</summary>
        public ErrorCode Error { get { return (ErrorCode)Status; } }
        /// <summary>True when the target ended.</summary>
        public bool Ok { get { return Status == 0; } }
        /// <summary>Whether ExitCode holds a real exit code.</summary>
        public bool ExitCodeKnown { get { return ExitCode != ExitCodeUnknown; } }
        /// <summary>ElapsedUs as a TimeSpan.</summary>
        public TimeSpan Elapsed { get { return TimeSpan.FromTicks((long)ElapsedUs * 10); } }

        public override string ToString()
        {
            return string.Format("Result({0}, {1}, exit code {2}, {3} us)", Error, Outcome,
                                 ExitCodeKnown ? ExitCode.ToString() : "unknown", ElapsedUs);
        }
    }

    /// <summary>One event of a terminate, as a progress callback sees it (terminus_progress).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Progress
    {
#pragma warning disable 0649 // filled from the library's struct
        private UIntPtr index;
        private uint pid;
        private int evt;
        private uint step;
        private int status;
        private int outcome;
        private ulong atUs;
#pragma warning restore 0649

        /// <summary>Which target: its index in the pids given (0 for Terminate).</summary>
        public int Index { get { return (int)(ulong)index; } }
        /// <summary>That target's pid.</summary>
        public uint Pid { get { return pid; } }
        /// <summary>What happened.</summary>
        public ProgressEvent Event { get { return (ProgressEvent)evt; } }
        /// <summary>For ProgressEvent.Step: the step; otherwise Steps.None.</summary>
        public Steps Step { get { return Event == ProgressEvent.Step ? (Steps)step : Steps.None; } }
        /// <summary>Ok (it went out, or it ended) or why not (Unreachable, AccessDenied, ...);
        /// for Ended: the target's Result.Status.</summary>
        public ErrorCode Status { get { return (ErrorCode)status; } }
        /// <summary>For ProgressEvent.Ended: the target's outcome.</summary>
        public Outcome Outcome { get { return (Outcome)outcome; } }
        /// <summary>When, in microseconds from the start of the call.</summary>
        public ulong AtUs { get { return atUs; } }
        /// <summary>AtUs as a TimeSpan.</summary>
        public TimeSpan At { get { return TimeSpan.FromTicks((long)atUs * 10); } }
        /// <summary>True when the step or kill went out (or the target ended).</summary>
        public bool Ok { get { return status == 0; } }

        public override string ToString()
        {
            return string.Format("Progress(#{0} pid {1}, {2}{3}, {4}, {5} us)", Index, Pid, Event,
                                 Event == ProgressEvent.Step ? " " + Step : "", Status, AtUs);
        }
    }

    /// <summary>
    /// What a terminate did to one target, step by step (terminus_detail). Given by
    /// the Terminate and TerminateMany overloads with an <c>out</c> detail.
    /// </summary>
    public sealed class TerminateDetail
    {
        private readonly int[] stepStatus;
        private readonly ulong[] stepAtUs;

        internal TerminateDetail(NativeDetail d)
        {
            EndedBy = (EndedBy)d.ended_by;
            Reach = (Steps)d.reach;
            Sent = (Steps)d.sent;
            Skipped = (Steps)d.skipped;
            stepStatus = d.step_status ?? new int[NativeDetail.Slots];
            stepAtUs = d.step_at_us ?? new ulong[NativeDetail.Slots];
            KillAtUs = d.kill_at_us;
        }

        /// <summary>What ended it: a step, Kill, Gone or None.</summary>
        public EndedBy EndedBy { get; private set; }
        /// <summary>The steps asked for that could reach it.</summary>
        public Steps Reach { get; private set; }
        /// <summary>The steps that went out to it.</summary>
        public Steps Sent { get; private set; }
        /// <summary>The steps asked for that were not sent (see StatusOf).</summary>
        public Steps Skipped { get; private set; }
        /// <summary>When the kill went out, in microseconds from the start of the call; 0 if it
        /// did not (on a fake's clock a kill may also go out at 0: see EndedBy).</summary>
        public ulong KillAtUs { get; private set; }

        private static int Slot(Steps step)
        {
            uint v = (uint)step;
            if (v == 0 || (v & (v - 1)) != 0 || v >= (1u << NativeDetail.Slots))
                throw new ArgumentException("one step, such as Steps.Message", "step");
            int b = 0;
            while ((v >>= 1) != 0)
                b++;
            return b;
        }

        /// <summary>Ok when the step went out (or was not asked for), else why not: Unreachable
        /// (it cannot reach this target), AccessDenied (refused, e.g. by UIPI), another code.</summary>
        public ErrorCode StatusOf(Steps step) { return (ErrorCode)stepStatus[Slot(step)]; }

        /// <summary>When the step went out, from the start of the call; null if it did not.</summary>
        public TimeSpan? SentAt(Steps step)
        {
            int b = Slot(step);
            if ((Sent & step) == 0)
                return null;
            return TimeSpan.FromTicks((long)stepAtUs[b] * 10);
        }

        /// <summary>When the kill went out, from the start of the call; null if it did not.</summary>
        public TimeSpan? KillAt
        {
            get
            {
                if (KillAtUs == 0 && EndedBy != EndedBy.Kill)
                    return null;
                return TimeSpan.FromTicks((long)KillAtUs * 10);
            }
        }

        public override string ToString()
        {
            return string.Format("TerminateDetail(ended by {0}, reach {1}, sent {2}, skipped {3})",
                                 EndedBy, Reach, Sent, Skipped);
        }
    }

    /// <summary>One session on a server (terminus_session_info).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SessionInfo
    {
        /// <summary>The session id.</summary>
        public uint Id;
        /// <summary>Its state.</summary>
        public SessionState State;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 64)]
        private byte[] name;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 256)]
        private byte[] user;

        /// <summary>"RDP-Tcp#3", "Console", a logind id such as "c2".</summary>
        public string Name { get { return Utf8.FromBytes(name); } }
        /// <summary>"alice" or "DOMAIN\alice"; "" if none.</summary>
        public string User { get { return Utf8.FromBytes(user); } }

        public override string ToString()
        {
            return string.Format("Session({0}, {1}, \"{2}\", \"{3}\")", Id, State, Name, User);
        }
    }

    // ------------------------------------------------------------------
    // Exceptions: one class per code.
    // ------------------------------------------------------------------

    /// <summary>A call into terminus failed. Subclasses name the code.</summary>
    public class TerminusException : Exception
    {
        /// <summary>The TERMINUS_E_* code.</summary>
        public ErrorCode Code { get; private set; }
        /// <summary>The native error number (errno, GetLastError), or 0.</summary>
        public long OsCode { get; private set; }
        /// <summary>The library's message: what failed and why.</summary>
        public string NativeMessage { get; private set; }
        /// <summary>For Terminate: the target's result (outcome None).</summary>
        public Result? Result { get; internal set; }
        /// <summary>For TerminateMany: every result.</summary>
        public Result[] Results { get; internal set; }
        /// <summary>For Terminate with a detail: the target's detail (null when the call was
        /// rejected as a whole).</summary>
        public TerminateDetail Detail { get; internal set; }
        /// <summary>For TerminateMany with details: every detail (null when the call was
        /// rejected as a whole).</summary>
        public TerminateDetail[] Details { get; internal set; }

        public TerminusException(ErrorCode code, long osCode, string message)
            : base(osCode != 0 ? string.Format("{0} [os error {1}]", message, osCode) : message)
        {
            Code = code;
            OsCode = osCode;
            NativeMessage = message;
        }

        /// <summary>The exception of the class for a code.</summary>
        public static TerminusException Create(ErrorCode code, long osCode, string message)
        {
            switch (code) {
            case ErrorCode.InvalidArgument: return new InvalidArgumentException(osCode, message);
            case ErrorCode.NotFound: return new NotFoundException(osCode, message);
            case ErrorCode.AccessDenied: return new AccessDeniedException(osCode, message);
            case ErrorCode.Timeout: return new TimedOutException(osCode, message);
            case ErrorCode.Refused: return new RefusedException(osCode, message);
            case ErrorCode.Unsupported: return new UnsupportedException(osCode, message);
            case ErrorCode.Unavailable: return new UnavailableException(osCode, message);
            case ErrorCode.NoMemory: return new NoMemoryException(osCode, message);
            case ErrorCode.OSFailure: return new OSFailureException(osCode, message);
            case ErrorCode.Unreachable: return new UnreachableException(osCode, message);
            default: return new TerminusException(code, osCode, message);
            }
        }
    }

    /// <summary>TERMINUS_E_INVALID: a bad argument.</summary>
    public sealed class InvalidArgumentException : TerminusException
    {
        public InvalidArgumentException(long osCode, string message) : base(ErrorCode.InvalidArgument, osCode, message) { }
    }
    /// <summary>TERMINUS_E_NOT_FOUND: no such process, session or server.</summary>
    public sealed class NotFoundException : TerminusException
    {
        public NotFoundException(long osCode, string message) : base(ErrorCode.NotFound, osCode, message) { }
    }
    /// <summary>TERMINUS_E_ACCESS_DENIED.</summary>
    public sealed class AccessDeniedException : TerminusException
    {
        public AccessDeniedException(long osCode, string message) : base(ErrorCode.AccessDenied, osCode, message) { }
    }
    /// <summary>TERMINUS_E_TIMEOUT (named so as not to clash with System.TimeoutException).</summary>
    public sealed class TimedOutException : TerminusException
    {
        public TimedOutException(long osCode, string message) : base(ErrorCode.Timeout, osCode, message) { }
    }
    /// <summary>TERMINUS_E_REFUSED: vetoed, or a protected target (your own pid, init, session 0).</summary>
    public sealed class RefusedException : TerminusException
    {
        public RefusedException(long osCode, string message) : base(ErrorCode.Refused, osCode, message) { }
    }
    /// <summary>TERMINUS_E_UNSUPPORTED: not available on this platform or backend.</summary>
    public sealed class UnsupportedException : TerminusException
    {
        public UnsupportedException(long osCode, string message) : base(ErrorCode.Unsupported, osCode, message) { }
    }
    /// <summary>TERMINUS_E_UNAVAILABLE: the server or bus cannot be reached.</summary>
    public sealed class UnavailableException : TerminusException
    {
        public UnavailableException(long osCode, string message) : base(ErrorCode.Unavailable, osCode, message) { }
    }
    /// <summary>TERMINUS_E_NO_MEMORY.</summary>
    public sealed class NoMemoryException : TerminusException
    {
        public NoMemoryException(long osCode, string message) : base(ErrorCode.NoMemory, osCode, message) { }
    }
    /// <summary>TERMINUS_E_OS: any other OS failure (see OsCode).</summary>
    public sealed class OSFailureException : TerminusException
    {
        public OSFailureException(long osCode, string message) : base(ErrorCode.OSFailure, osCode, message) { }
    }
    /// <summary>TERMINUS_E_UNREACHABLE: no graceful request can reach the target (no listener,
    /// no window, no console, another session), with NoForce.</summary>
    public sealed class UnreachableException : TerminusException
    {
        public UnreachableException(long osCode, string message) : base(ErrorCode.Unreachable, osCode, message) { }
    }

    // ------------------------------------------------------------------
    // Handles. A child handle (server, listener, context over a fake) holds a
    // reference on its parent handle, so the parent is freed only after it.
    // ------------------------------------------------------------------

    /// <summary>Base of the terminus handles.</summary>
    public abstract class TerminusHandle : SafeHandle
    {
        private SafeHandle parent;

        protected TerminusHandle() : base(IntPtr.Zero, true) { }
        protected TerminusHandle(bool ownsHandle) : base(IntPtr.Zero, ownsHandle) { }

        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }

        internal void HoldParent(SafeHandle p)
        {
            bool added = false;
            p.DangerousAddRef(ref added);
            if (added)
                parent = p;
        }

        protected abstract void Free(IntPtr h);

        protected override bool ReleaseHandle()
        {
            Free(handle);
            if (parent != null) {
                parent.DangerousRelease();
                parent = null;
            }
            return true;
        }
    }

    /// <summary>A terminus_ctx*. The default context is an invalid handle (NULL).</summary>
    public sealed class ContextHandle : TerminusHandle
    {
        private ContextHandle() { }
        private ContextHandle(bool ownsHandle) : base(ownsHandle) { }
        internal static ContextHandle Null() { return new ContextHandle(false); }
        protected override void Free(IntPtr h) { Native.terminus_ctx_free(h); }
    }

    /// <summary>A terminus_server*.</summary>
    public sealed class ServerHandle : TerminusHandle
    {
        private ServerHandle() { }
        protected override void Free(IntPtr h) { Native.terminus_server_close(h); }
    }

    /// <summary>A terminus_listener*; keeps its callback alive until freed.</summary>
    public sealed class ListenerHandle : TerminusHandle
    {
        internal Native.RequestFn Callback;
        private ListenerHandle() { }
        protected override void Free(IntPtr h) { Native.terminus_listener_free(h); }
    }

    /// <summary>A terminus_fake*.</summary>
    public sealed class FakeHandle : TerminusHandle
    {
        private FakeHandle() { }
        protected override void Free(IntPtr h) { Native.terminus_fake_free(h); }
    }

    // ------------------------------------------------------------------
    // The API.
    // ------------------------------------------------------------------

    /// <summary>Library-wide functions.</summary>
    public static class Library
    {
        /// <summary>The version of the loaded library, "MAJOR.MINOR.PATCH".</summary>
        public static string Version { get { Loader.Ensure(); return Utf8.FromPtr(Native.terminus_version()); } }
        /// <summary>A short description of a code, such as "access denied".</summary>
        public static string StrError(ErrorCode code) { Loader.Ensure(); return Utf8.FromPtr(Native.terminus_strerror((int)code)); }
        /// <summary>The C name of a code, such as "TERMINUS_E_ACCESS_DENIED".</summary>
        public static string ErrorName(ErrorCode code) { Loader.Ensure(); return Utf8.FromPtr(Native.terminus_error_name((int)code)); }
    }

    /// <summary>
    /// A context: the OS every operation goes through. <see cref="Default"/>
    /// is the library's default native context; <c>new Context()</c> makes
    /// another over the native OS; <see cref="Fake.CreateContext"/> one over a
    /// fake. Safe to share between threads.
    /// </summary>
    public sealed class Context : IDisposable
    {
        private static readonly object defaultLock = new object();
        private static Context defaultContext;

        internal readonly ContextHandle Handle;
        private readonly bool isDefault;
        private readonly object gate = new object();
        private readonly List<Native.CleanupFn> hooks = new List<Native.CleanupFn>(); // the library may call them
        private readonly List<Listener> listeners = new List<Listener>();          // alive while listening

        /// <summary>A new context over the native OS.</summary>
        public Context()
        {
            Loader.Ensure();
            ContextHandle h;
            int rc = Native.terminus_ctx_new(out h, IntPtr.Zero);
            Error.Check(rc);
            Handle = h;
        }

        private Context(ContextHandle handle, bool isDefault)
        {
            Handle = handle;
            this.isDefault = isDefault;
        }

        internal static Context Over(IntPtr os, FakeHandle fake)
        {
            ContextHandle h;
            Error.Check(Native.terminus_ctx_new(out h, os));
            h.HoldParent(fake);
            return new Context(h, false);
        }

        /// <summary>The default native context (C: NULL). Never disposed.</summary>
        public static Context Default
        {
            get
            {
                lock (defaultLock) {
                    if (defaultContext == null) {
                        Loader.Ensure();
                        defaultContext = new Context(ContextHandle.Null(), true);
                    }
                    return defaultContext;
                }
            }
        }

        /// <summary>Stop its listeners and free it (once its servers are closed too).
        /// Does nothing on the default context.</summary>
        public void Dispose()
        {
            if (isDefault)
                return;
            Listener[] active;
            lock (gate) {
                active = listeners.ToArray();
                listeners.Clear();
            }
            foreach (var l in active)
                l.Dispose();
            Handle.Dispose();
        }

        internal void Forget(Listener l)
        {
            lock (gate)
                listeners.Remove(l);
        }

        // --- 1. exit ---

        /// <summary>Register a hook that a clean Exit runs (last registered, first run, once).
        /// An exception in a hook is written to stderr and the next hook runs.</summary>
        public void AtExit(Action hook)
        {
            if (hook == null)
                throw new ArgumentNullException("hook");
            Native.CleanupFn fn = delegate (IntPtr arg) {
                try {
                    hook();
                } catch (Exception e) {
                    Console.Error.WriteLine("terminus: an at-exit hook threw: " + e);
                }
            };
            lock (gate)
                hooks.Add(fn);
            Error.Check(Native.terminus_at_exit(Handle, fn, IntPtr.Zero));
        }

        /// <summary>End the process: clean (hooks run, then the OS's clean exit) or
        /// fast (nothing runs). Does not return with a native context; with a
        /// fake it records the exit and returns.</summary>
        public void Exit(uint exitCode, bool fast = false)
        {
            if (!fast) {
                Console.Out.Flush();
                Console.Error.Flush();
            }
            Error.Check(Native.terminus_exit(Handle, exitCode, fast ? 1u : 0u));
        }

        // --- 2. terminate ---

        /// <summary>Ask a process to leave with the default options (5 s of grace, then a kill).</summary>
        public Result Terminate(uint pid) { return Terminate(pid, TerminateOptions.Default); }

        /// <summary>Ask a process to leave; kill it after the grace period unless NoForce.</summary>
        /// <returns>Exited, Forced or Gone.</returns>
        /// <exception cref="TerminusException">a subclass per code; its Result holds the target's result.</exception>
        public Result Terminate(uint pid, TerminateOptions options)
        {
            Result r;
            int rc = Native.terminus_terminate(Handle, pid, ref options, out r);
            if (rc != 0) {
                TerminusException e = Error.Last(rc);
                e.Result = r;
                throw e;
            }
            return r;
        }

        /// <summary>
        /// Ask a process to leave through the close chain of <c>options.Steps</c>, and say
        /// step by step what happened (<paramref name="detail"/>). <paramref name="progress"/>,
        /// if given, is called on this thread as each step goes out (or is skipped), as the
        /// kill goes out and as the target ends; its time comes out of the grace. If it
        /// throws, it is not called again, the terminate runs to its end, and then its
        /// exception is rethrown. The delegate is kept alive for the call.
        /// </summary>
        /// <returns>Exited, Forced or Gone.</returns>
        /// <exception cref="TerminusException">a subclass per code (UnreachableException with
        /// NoForce when no request can reach it); its Result and Detail are the target's.</exception>
        public Result Terminate(uint pid, TerminateOptions options, out TerminateDetail detail,
                                Action<Progress> progress = null)
        {
            var results = new Result[1];
            var details = new TerminateDetail[1];
            int rc = Call(new[] { pid }, options, results, details, progress, true);
            detail = details[0];
            if (rc != 0) {
                TerminusException e = Error.Last(rc);
                e.Result = results[0];
                e.Detail = detail;
                throw e;
            }
            return results[0];
        }

        /// <summary>Terminate with an int pid (as System.Diagnostics.Process.Id gives it).</summary>
        public Result Terminate(int pid, TerminateOptions options) { return Terminate(Error.Pid(pid), options); }
        /// <summary>Terminate with an int pid and the default options.</summary>
        public Result Terminate(int pid) { return Terminate(Error.Pid(pid), TerminateOptions.Default); }
        /// <summary>Terminate with an int pid, a detail and a progress callback.</summary>
        public Result Terminate(int pid, TerminateOptions options, out TerminateDetail detail,
                                Action<Progress> progress = null)
        {
            return Terminate(Error.Pid(pid), options, out detail, progress);
        }

        /// <summary>
        /// Ask many processes to leave at once, with one shared grace period.
        /// Returns one Result per pid, in order; a target that failed has Ok
        /// false and its code in Status. Throws only when the call is rejected
        /// as a whole and nothing was sent: InvalidArgumentException (pid 0, a
        /// pid twice, bad options), RefusedException (your own pid, init),
        /// UnsupportedException (the backend cannot terminate); the
        /// exception's Results holds the results.
        /// </summary>
        public Result[] TerminateMany(uint[] pids, TerminateOptions options)
        {
            if (pids == null)
                throw new ArgumentNullException("pids");
            var results = new Result[pids.Length];
            int rc = Call(pids, options, results, null, null, false);
            if (IsRejected(rc)) {
                TerminusException e = Error.Last(rc);
                e.Results = results;
                throw e;
            }
            return results;
        }

        /// <summary>
        /// TerminateMany with a detail per target (<paramref name="details"/>, in the order
        /// of <paramref name="pids"/>) and a progress callback that sees every target's
        /// events (Progress.Index says which); see Terminate for the callback's rules.
        /// </summary>
        public Result[] TerminateMany(uint[] pids, TerminateOptions options, out TerminateDetail[] details,
                                      Action<Progress> progress = null)
        {
            if (pids == null)
                throw new ArgumentNullException("pids");
            var results = new Result[pids.Length];
            details = new TerminateDetail[pids.Length];
            int rc = Call(pids, options, results, details, progress, false);
            if (IsRejected(rc)) {
                TerminusException e = Error.Last(rc);
                e.Results = results;
                details = new TerminateDetail[pids.Length];
                e.Details = details;
                throw e;
            }
            return results;
        }

        /// <summary>TerminateMany with int pids.</summary>
        public Result[] TerminateMany(int[] pids, TerminateOptions options)
        {
            return TerminateMany(Pids(pids), options);
        }

        /// <summary>TerminateMany with int pids, details and a progress callback.</summary>
        public Result[] TerminateMany(int[] pids, TerminateOptions options, out TerminateDetail[] details,
                                      Action<Progress> progress = null)
        {
            return TerminateMany(Pids(pids), options, out details, progress);
        }

        private static uint[] Pids(int[] pids)
        {
            if (pids == null)
                throw new ArgumentNullException("pids");
            var u = new uint[pids.Length];
            for (int i = 0; i < pids.Length; i++)
                u[i] = Error.Pid(pids[i]);
            return u;
        }

        // Rejected as a whole, before anything was sent.
        private static bool IsRejected(int rc)
        {
            return rc == (int)ErrorCode.InvalidArgument || rc == (int)ErrorCode.Refused ||
                   rc == (int)ErrorCode.Unsupported;
        }

        // One terminate call: the detail array in unmanaged memory (details, if not null,
        // receives one TerminateDetail per target, null ones when the call is rejected as a
        // whole), the progress delegate kept alive for the call, and its exception rethrown
        // once the call has returned (it never crosses into C).
        private int Call(uint[] pids, TerminateOptions options, Result[] results, TerminateDetail[] details,
                         Action<Progress> progress, bool single)
        {
            int n = pids.Length;
            int size = Marshal.SizeOf(typeof(NativeDetail));
            Exception thrown = null;
            Native.ProgressFn fn = null;
            IntPtr buf = IntPtr.Zero;
            int rc;

            if (progress != null) {
                fn = delegate (IntPtr arg, IntPtr p) {
                    if (thrown != null)
                        return;
                    try {
                        progress((Progress)Marshal.PtrToStructure(p, typeof(Progress)));
                    } catch (Exception e) {
                        thrown = e;
                    }
                };
                options.progress = Marshal.GetFunctionPointerForDelegate(fn);
            }
            options.progressArg = IntPtr.Zero;
            options.details = IntPtr.Zero;
            options.detailsCount = UIntPtr.Zero;
            try {
                if (details != null && n > 0) {
                    buf = Marshal.AllocHGlobal(size * n);
                    Marshal.Copy(new byte[size * n], 0, buf, size * n);
                    options.details = buf;
                    options.detailsCount = (UIntPtr)n;
                }
                if (single) {
                    Result r;
                    rc = Native.terminus_terminate(Handle, pids[0], ref options, out r);
                    results[0] = r;
                } else {
                    rc = Native.terminus_terminate_many(Handle, pids, (UIntPtr)n, ref options, results);
                }
                GC.KeepAlive(fn);
                if (details != null && buf != IntPtr.Zero && !IsRejected(rc)) {
                    for (int i = 0; i < n; i++) {
                        var d = (NativeDetail)Marshal.PtrToStructure(new IntPtr(buf.ToInt64() + (long)i * size),
                                                                     typeof(NativeDetail));
                        details[i] = new TerminateDetail(d);
                    }
                }
            } finally {
                if (buf != IntPtr.Zero)
                    Marshal.FreeHGlobal(buf);
            }
            if (thrown != null)
                ExceptionDispatchInfo.Capture(thrown).Throw();
            return rc;
        }

        /// <summary>Opt in to graceful requests: see <see cref="Listener"/>.</summary>
        public Listener Listen(Func<Reason, bool> callback, uint exitCode = 0, string message = null)
        {
            var l = new Listener(this, callback, exitCode, message);
            lock (gate)
                listeners.Add(l);
            return l;
        }

        // --- 3. logoff ---

        /// <summary>Log off the user of this process's session.</summary>
        public void Logoff(LogoffFlags flags = LogoffFlags.None)
        {
            Error.Check(Native.terminus_logoff(Handle, (uint)flags));
        }

        // --- 4. sessions ---

        /// <summary>Open a server: null or "" = this machine.</summary>
        public Server OpenServer(string name = null) { return new Server(this, name); }
    }

    /// <summary>
    /// The target's side: hears graceful requests (Linux: SIGTERM) and session
    /// ends (SIGHUP, WM_ENDSESSION). The callback runs on the library's
    /// listener thread; save your data there, then return true and terminus
    /// exits the process cleanly (at-exit hooks run) with the exit code, or
    /// false and your program exits by itself. An exception is written to
    /// stderr and counts as false. Kept alive until disposed; do not dispose
    /// it from its own callback.
    /// </summary>
    public sealed class Listener : IDisposable
    {
        private readonly Context context;
        private readonly ListenerHandle handle;

        internal Listener(Context context, Func<Reason, bool> callback, uint exitCode, string message)
        {
            if (callback == null)
                throw new ArgumentNullException("callback");
            this.context = context;
            Native.RequestFn fn = delegate (IntPtr arg, int reason) {
                try {
                    return callback((Reason)reason) ? 0 : 1;
                } catch (Exception e) {
                    Console.Error.WriteLine("terminus: a listener callback threw: " + e);
                    return 1;
                }
            };
            ListenerHandle h;
            int rc = Native.terminus_listen(context.Handle, Utf8.ToBytes(message), exitCode, fn, IntPtr.Zero, out h);
            GC.KeepAlive(fn);
            Error.Check(rc);
            h.Callback = fn;
            h.HoldParent(context.Handle);
            handle = h;
        }

        /// <summary>Stop listening.</summary>
        public void Dispose()
        {
            handle.Dispose();
            context.Forget(this);
        }
    }

    /// <summary>A connection to a server's session manager.</summary>
    public sealed class Server : IDisposable
    {
        /// <summary>The id meaning "the caller's own session" (TERMINUS_SESSION_CURRENT).</summary>
        public const uint CurrentSession = uint.MaxValue;

        private readonly ServerHandle handle;

        internal Server(Context context, string name)
        {
            ServerHandle h;
            Error.Check(Native.terminus_server_open(context.Handle, Utf8.ToBytes(name), out h));
            h.HoldParent(context.Handle);
            handle = h;
        }

        /// <summary>Open a server over the default context.</summary>
        public Server(string name = null) : this(Context.Default, name) { }

        public void Dispose() { handle.Dispose(); }

        /// <summary>Every session on the server.</summary>
        public SessionInfo[] Sessions()
        {
            IntPtr list;
            UIntPtr count;
            Error.Check(Native.terminus_session_list(handle, out list, out count));
            try {
                int n = (int)count;
                int size = Marshal.SizeOf(typeof(SessionInfo));
                var result = new SessionInfo[n];
                for (int i = 0; i < n; i++)
                    result[i] = (SessionInfo)Marshal.PtrToStructure(new IntPtr(list.ToInt64() + (long)i * size), typeof(SessionInfo));
                return result;
            } finally {
                Native.terminus_session_list_free(list);
            }
        }

        /// <summary>A session's id, as the logoff command reads its argument: null = the
        /// caller's own session, digits = that id, else a name (case-insensitive).</summary>
        public uint Resolve(string spec = null)
        {
            uint id;
            Error.Check(Native.terminus_session_resolve(handle, Utf8.ToBytes(spec), out id));
            return id;
        }

        /// <summary>Log a session off; with wait, return once it is gone (TimedOutException past the timeout, default 60 s).</summary>
        public void Logoff(uint id, bool wait = true, TimeSpan? timeout = null)
        {
            uint ms = wait ? Error.Milliseconds("timeout", timeout ?? TimeSpan.FromSeconds(60)) : 0;
            Error.Check(Native.terminus_session_logoff(handle, id, wait ? 1u : 0u, ms));
        }

        /// <summary>Log off the session a spec names (see Resolve).</summary>
        public void Logoff(string spec, bool wait = true, TimeSpan? timeout = null)
        {
            Logoff(Resolve(spec), wait, timeout);
        }
    }

    // ------------------------------------------------------------------
    // The fake OS.
    // ------------------------------------------------------------------

    /// <summary>How a scripted process behaves (TERMINUS_FAKE_*).</summary>
    public enum FakeBehaviour
    {
        ExitsOnRequest = 1,
        Ignores = 2,
        ExitsAfter = 3,
        Gone = 4,
        Denied = 5,
        Unkillable = 6,
        KillDenied = 7,
    }

    /// <summary>What a scripted session does when logged off.</summary>
    public enum FakeSessionBehaviour
    {
        Ends = 0,
        Denied = 1,
        Hangs = 2,
    }

    /// <summary>What happened to a scripted process (terminus_fake_process_info).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FakeProcessInfo
    {
        private int running;
        public uint ExitCode;
        public uint Requests;
        public uint Kills;
        public ulong EndedUs;
        public bool Running { get { return running != 0; } }
    }

    /// <summary>
    /// The fake OS: scripted processes and sessions, fault injection, a call
    /// log and a virtual clock, for testing code that ends things. Self pid
    /// 1000; pid 1 is the system's first process.
    /// </summary>
    public sealed class Fake : IDisposable
    {
        private readonly FakeHandle handle;
        private readonly List<Context> contexts = new List<Context>();

        public Fake()
        {
            Loader.Ensure();
            FakeHandle h;
            Error.Check(Native.terminus_fake_new(out h));
            handle = h;
        }

        /// <summary>Dispose the contexts made over it, then free it.</summary>
        public void Dispose()
        {
            Context[] all;
            lock (contexts) {
                all = contexts.ToArray();
                contexts.Clear();
            }
            foreach (var c in all)
                c.Dispose();
            handle.Dispose();
        }

        /// <summary>A new context over this fake.</summary>
        public Context CreateContext()
        {
            var c = Context.Over(Native.terminus_fake_os(handle), handle);
            lock (contexts)
                contexts.Add(c);
            return c;
        }

        /// <summary>The virtual clock in microseconds.</summary>
        public ulong NowUs { get { return Native.terminus_fake_now_us(handle); } }
        /// <summary>Move the clock forward.</summary>
        public void Advance(TimeSpan by)
        {
            if (by < TimeSpan.Zero)
                throw new ArgumentOutOfRangeException(nameof(by), "the fake's clock only moves forward");
            Error.Check(Native.terminus_fake_advance(handle, (ulong)(by.Ticks / 10)));
        }
        /// <summary>Set the pid the fake says the caller has.</summary>
        public void SetSelf(uint pid) { Error.Check(Native.terminus_fake_set_self(handle, pid)); }

        public void AddProcess(uint pid, FakeBehaviour behaviour, uint afterMs = 0, uint exitCode = 0)
        {
            Error.Check(Native.terminus_fake_process_add(handle, pid, (int)behaviour, afterMs, exitCode));
        }

        public FakeProcessInfo GetProcess(uint pid)
        {
            FakeProcessInfo info;
            Error.Check(Native.terminus_fake_process_get(handle, pid, out info));
            return info;
        }

        /// <summary>The steps that reach a scripted process unless SetReach says otherwise
        /// (TERMINUS_FAKE_REACH_DEFAULT): the message and the signals, as for a Linux process.</summary>
        public const Steps ReachDefault = Steps.Message | Steps.SigInt | Steps.SigHup;

        /// <summary>Set the steps that can reach a scripted process (None: no window, no console,
        /// another session); a step outside them sent all the same fails with Unreachable.</summary>
        public void SetReach(uint pid, Steps reach)
        {
            Error.Check(Native.terminus_fake_process_set_reach(handle, pid, (uint)reach));
        }

        /// <summary>Make a scripted process leave with exitCode, afterMs after the first of
        /// steps reaches it (it replaces the rule it had; ExitsOnRequest is Steps.Message).</summary>
        public void ExitOn(uint pid, Steps steps, uint afterMs = 0, uint exitCode = 0)
        {
            Error.Check(Native.terminus_fake_process_exit_on(handle, pid, (uint)steps, afterMs, exitCode));
        }

        /// <summary>Make some steps fail on a scripted process with AccessDenied, as UIPI refuses a
        /// post to an elevated window: they still reach it, sending one fails.</summary>
        public void DenySteps(uint pid, Steps steps)
        {
            Error.Check(Native.terminus_fake_process_deny_step(handle, pid, (uint)steps));
        }

        /// <summary>How many times a step (one step) reached a scripted process.</summary>
        public uint StepCount(uint pid, Steps step)
        {
            uint n;
            Error.Check(Native.terminus_fake_process_step_count(handle, pid, (uint)step, out n));
            return n;
        }

        public void AddServer(string name, bool reachable = true)
        {
            Error.Check(Native.terminus_fake_server_add(handle, Utf8.ToBytes(name), reachable ? 1 : 0));
        }

        public void AddSession(uint id, string name, string user = "", SessionState state = SessionState.Active,
                               FakeSessionBehaviour behaviour = FakeSessionBehaviour.Ends, uint afterMs = 0,
                               string server = "")
        {
            Error.Check(Native.terminus_fake_session_add(handle, Utf8.ToBytes(server), id, (int)state,
                                                         Utf8.ToBytes(name), Utf8.ToBytes(user),
                                                         (int)behaviour, afterMs));
        }

        /// <summary>The caller's own session on this machine; Server.CurrentSession = none.</summary>
        public void SetCurrentSession(uint id) { Error.Check(Native.terminus_fake_set_current_session(handle, id)); }

        public bool SessionExists(uint id, string server = "")
        {
            return Native.terminus_fake_session_exists(handle, Utf8.ToBytes(server), id) == 1;
        }

        /// <summary>Make the nth call (from now) of a primitive ("process_open", "wait_any", ..., or "*") fail.</summary>
        public void Fail(string primitive, ErrorCode code, uint nth = 1, bool persistent = false, long osCode = 0)
        {
            Error.Check(Native.terminus_fake_fail(handle, Utf8.ToBytes(primitive), nth, persistent ? 1 : 0, (int)code, osCode));
        }

        public void FailClear() { Native.terminus_fake_fail_clear(handle); }
        public uint FaultsFired { get { return Native.terminus_fake_faults_fired(handle); } }

        /// <summary>How many primitive calls were made (of one primitive, or all with null).</summary>
        public int CallCount(string primitive = null)
        {
            return (int)(ulong)Native.terminus_fake_call_count(handle, Utf8.ToBytes(primitive));
        }

        /// <summary>The call log, such as "process_kill(42, 1) = 0".</summary>
        public string[] Calls()
        {
            int n = CallCount(null);
            var list = new List<string>(n);
            var buf = new byte[512];
            for (int i = 0; i < n; i++) {
                if (Native.terminus_fake_call(handle, (UIntPtr)i, buf, (UIntPtr)buf.Length) != 0)
                    break;
                list.Add(Utf8.FromBytes(buf));
            }
            return list.ToArray();
        }

        public void CallsClear() { Native.terminus_fake_calls_clear(handle); }

        /// <summary>Open process handles, wait sets, servers and listeners (0 after each operation: nothing leaks).</summary>
        public int OpenHandles { get { return (int)(ulong)Native.terminus_fake_open_handles(handle); } }

        /// <summary>Call this (fake) process's listeners on the calling thread; returns how many.</summary>
        public int Deliver(Reason reason = Reason.Request)
        {
            int n = Native.terminus_fake_deliver(handle, (int)reason);
            if (n < 0)
                Error.Check(n);
            return n;
        }

        /// <summary>How many exits reached the fake; the last one's code and kind.</summary>
        public uint Exits(out uint exitCode, out bool fast)
        {
            int f;
            uint n = Native.terminus_fake_exits(handle, out exitCode, out f);
            fast = f != 0;
            return n;
        }

        /// <summary>How many logoffs of the current user reached the fake; the last flags.</summary>
        public uint Logoffs(out LogoffFlags flags)
        {
            uint f;
            uint n = Native.terminus_fake_logoffs(handle, out f);
            flags = (LogoffFlags)f;
            return n;
        }
    }

    // ------------------------------------------------------------------
    // Internals.
    // ------------------------------------------------------------------

    /// <summary>terminus_detail of terminate.h.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeDetail
    {
        /// <summary>TERMINUS_DETAIL_STEPS.</summary>
        public const int Slots = 8;
        public uint ended_by;
        public uint reach;
        public uint sent;
        public uint skipped;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = Slots)]
        public int[] step_status;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = Slots)]
        public ulong[] step_at_us;
        public ulong kill_at_us;
    }

    /// <summary>terminus_error of common.h: { int code; int64_t os_code; const char *message; }.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeError
    {
        public int code;
        public long os_code;
        public IntPtr message;
    }

    internal static class Error
    {
        internal static void Check(int rc)
        {
            if (rc != 0)
                throw Last(rc);
        }

        internal static TerminusException Last(int rc)
        {
            var e = (NativeError)Marshal.PtrToStructure(Native.terminus_error_last(), typeof(NativeError));
            string text = Utf8.FromPtr(e.message);
            if (e.code != rc || text.Length == 0)
                return TerminusException.Create((ErrorCode)rc, 0, Library.StrError((ErrorCode)rc));
            return TerminusException.Create((ErrorCode)rc, e.os_code, text);
        }

        internal static uint Pid(int pid)
        {
            if (pid < 0)
                throw new InvalidArgumentException(0, "pid " + pid + " is not a process id");
            return (uint)pid;
        }

        internal static uint Milliseconds(string what, TimeSpan t)
        {
            double ms = Math.Round(t.TotalMilliseconds);
            if (ms < 0 || ms > uint.MaxValue)
                throw new InvalidArgumentException(0, what + " " + t + " is out of range");
            return (uint)ms;
        }
    }

    internal static class Utf8
    {
        internal static byte[] ToBytes(string s)
        {
            if (s == null)
                return null;
            int n = Encoding.UTF8.GetByteCount(s);
            var b = new byte[n + 1];
            Encoding.UTF8.GetBytes(s, 0, s.Length, b, 0);
            return b;
        }

        internal static string FromBytes(byte[] b)
        {
            if (b == null)
                return "";
            int n = Array.IndexOf(b, (byte)0);
            return Encoding.UTF8.GetString(b, 0, n < 0 ? b.Length : n);
        }

        internal static string FromPtr(IntPtr p)
        {
            if (p == IntPtr.Zero)
                return "";
            int n = 0;
            while (Marshal.ReadByte(p, n) != 0)
                n++;
            var b = new byte[n];
            Marshal.Copy(p, b, 0, n);
            return Encoding.UTF8.GetString(b);
        }
    }

    /// <summary>Where the library comes from on runtimes with NativeLibrary (.NET Core 3.0+).</summary>
    internal static class Loader
    {
        private static readonly object gate = new object();
        private static bool done;

        internal static void Ensure()
        {
            lock (gate) {
                if (done)
                    return;
                done = true;
                try {
                    Install();
                } catch (Exception) {
                    // no resolver: plain DllImport probing (and mono's dllmap)
                }
            }
        }

        private static void Install()
        {
            Type nativeLibrary = Type.GetType("System.Runtime.InteropServices.NativeLibrary");
            Type resolverType = Type.GetType("System.Runtime.InteropServices.DllImportResolver");
            if (nativeLibrary == null || resolverType == null)
                return; // mono, .NET Framework
            MethodInfo set = nativeLibrary.GetMethod("SetDllImportResolver", new[] { typeof(Assembly), resolverType });
            MethodInfo resolve = typeof(Loader).GetMethod("Resolve", BindingFlags.NonPublic | BindingFlags.Static);
            if (set == null || resolve == null)
                return;
            Delegate d = Delegate.CreateDelegate(resolverType, resolve);
            set.Invoke(null, new object[] { typeof(Loader).Assembly, d });
        }

        private static IEnumerable<string> Candidates()
        {
            string env = Environment.GetEnvironmentVariable("TERMINUS_LIBRARY");
            if (!string.IsNullOrEmpty(env))
                yield return env;
            if (Path.DirectorySeparatorChar == '\\') {
                yield return "libterminus-0.dll";
                yield return "terminus.dll";
            } else {
                yield return "libterminus.so.0";
                yield return "libterminus.so";
                yield return "libterminus.0.dylib";
            }
        }

        private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
        {
            if (name != Native.Lib)
                return IntPtr.Zero;
            Type nativeLibrary = Type.GetType("System.Runtime.InteropServices.NativeLibrary");
            MethodInfo tryLoad = nativeLibrary.GetMethod("TryLoad", new[] {
                typeof(string), typeof(Assembly), typeof(DllImportSearchPath?), typeof(IntPtr).MakeByRefType() });
            if (tryLoad == null)
                return IntPtr.Zero;
            foreach (string candidate in Candidates()) {
                var args = new object[] { candidate, assembly, path, IntPtr.Zero };
                if ((bool)tryLoad.Invoke(null, args))
                    return (IntPtr)args[3];
            }
            return IntPtr.Zero;
        }
    }

    /// <summary>The exports of libterminus, as declared in include/terminus/*.h.</summary>
    internal static class Native
    {
        /// <summary>The DllImport name (see the top of this file for how it resolves).</summary>
        public const string Lib = "terminus";

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        public delegate void CleanupFn(IntPtr arg);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        public delegate int RequestFn(IntPtr arg, int reason);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        public delegate void ProgressFn(IntPtr arg, IntPtr progress);

        const CallingConvention C = CallingConvention.Cdecl;

        // common.h
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_ctx_new(out ContextHandle ctx, IntPtr os);
        [DllImport(Lib, CallingConvention = C)] public static extern void terminus_ctx_free(IntPtr ctx);
        [DllImport(Lib, CallingConvention = C)] public static extern IntPtr terminus_version();
        [DllImport(Lib, CallingConvention = C)] public static extern IntPtr terminus_strerror(int code);
        [DllImport(Lib, CallingConvention = C)] public static extern IntPtr terminus_error_name(int code);
        [DllImport(Lib, CallingConvention = C)] public static extern IntPtr terminus_error_last();
        [DllImport(Lib, CallingConvention = C)] public static extern void terminus_error_clear();
        // exit.h
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_at_exit(ContextHandle ctx, CleanupFn fn, IntPtr arg);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_exit(ContextHandle ctx, uint exitCode, uint flags);
        // terminate.h
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_terminate_options_init(ref TerminateOptions opts, uint version);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_terminate(ContextHandle ctx, uint pid, ref TerminateOptions opts, out Result result);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_terminate_many(ContextHandle ctx, uint[] pids, UIntPtr count, ref TerminateOptions opts, [Out] Result[] results);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_listen(ContextHandle ctx, byte[] message, uint exitCode, RequestFn fn, IntPtr arg, out ListenerHandle listener);
        [DllImport(Lib, CallingConvention = C)] public static extern void terminus_listener_free(IntPtr listener);
        // logoff.h
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_logoff(ContextHandle ctx, uint flags);
        // session.h
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_server_open(ContextHandle ctx, byte[] name, out ServerHandle server);
        [DllImport(Lib, CallingConvention = C)] public static extern void terminus_server_close(IntPtr server);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_session_list(ServerHandle server, out IntPtr list, out UIntPtr count);
        [DllImport(Lib, CallingConvention = C)] public static extern void terminus_session_list_free(IntPtr list);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_session_resolve(ServerHandle server, byte[] spec, out uint id);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_session_logoff(ServerHandle server, uint id, uint flags, uint timeoutMs);
        // sys/fake.h
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_new(out FakeHandle fake);
        [DllImport(Lib, CallingConvention = C)] public static extern void terminus_fake_free(IntPtr fake);
        [DllImport(Lib, CallingConvention = C)] public static extern IntPtr terminus_fake_os(FakeHandle fake);
        [DllImport(Lib, CallingConvention = C)] public static extern ulong terminus_fake_now_us(FakeHandle fake);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_advance(FakeHandle fake, ulong us);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_set_self(FakeHandle fake, uint pid);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_process_add(FakeHandle fake, uint pid, int behaviour, uint afterMs, uint exitCode);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_process_get(FakeHandle fake, uint pid, out FakeProcessInfo info);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_process_set_reach(FakeHandle fake, uint pid, uint reach);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_process_exit_on(FakeHandle fake, uint pid, uint steps, uint afterMs, uint exitCode);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_process_deny_step(FakeHandle fake, uint pid, uint steps);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_process_step_count(FakeHandle fake, uint pid, uint step, out uint count);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_server_add(FakeHandle fake, byte[] name, int reachable);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_session_add(FakeHandle fake, byte[] server, uint id, int state, byte[] name, byte[] user, int behaviour, uint afterMs);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_set_current_session(FakeHandle fake, uint id);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_session_exists(FakeHandle fake, byte[] server, uint id);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_fail(FakeHandle fake, byte[] primitive, uint nth, int persistent, int code, long osCode);
        [DllImport(Lib, CallingConvention = C)] public static extern void terminus_fake_fail_clear(FakeHandle fake);
        [DllImport(Lib, CallingConvention = C)] public static extern uint terminus_fake_faults_fired(FakeHandle fake);
        [DllImport(Lib, CallingConvention = C)] public static extern UIntPtr terminus_fake_call_count(FakeHandle fake, byte[] primitive);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_call(FakeHandle fake, UIntPtr index, [Out] byte[] buf, UIntPtr size);
        [DllImport(Lib, CallingConvention = C)] public static extern void terminus_fake_calls_clear(FakeHandle fake);
        [DllImport(Lib, CallingConvention = C)] public static extern UIntPtr terminus_fake_open_handles(FakeHandle fake);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_deliver(FakeHandle fake, int reason);
        [DllImport(Lib, CallingConvention = C)] public static extern uint terminus_fake_exits(FakeHandle fake, out uint exitCode, out int fast);
        [DllImport(Lib, CallingConvention = C)] public static extern uint terminus_fake_logoffs(FakeHandle fake, out uint flags);
    }
}
