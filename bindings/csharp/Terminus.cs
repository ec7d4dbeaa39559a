// Terminus.cs: C# bindings of libterminus (P/Invoke). One file, one
// namespace; compiles with mono's mcs and with any .NET Standard 2.0 or later
// compiler:  mcs -target:library -out:Terminus.dll Terminus.cs
//
// The native library is bound as [DllImport("terminus")], and loaded once,
// before the first call, by Loader (near the end of this file): the path in
// TERMINUS_LIBRARY when it is set, else the NuGet package's runtimes folder,
// Terminus.dll's folder, then the system loader (libterminus.so.0,
// libterminus-0.dll). When none loads, the first call throws a
// LibraryNotFoundException that lists each place tried and why.
//  - .NET Core 3.0 / .NET 5 and later: a DllImportResolver hands that
//    library to every [DllImport] (installed through reflection, so that this
//    file still compiles against mono and .NET Framework).
//  - mono: Terminus.dll.config (a dllmap, next to Terminus.dll) maps
//    "terminus" to the runtime name libterminus.so.0 (libterminus-0.dll),
//    which the system loader answers with the library Loader loaded.
//  - .NET Framework: as mono without the dllmap: copy libterminus-0.dll next
//    to your program as terminus.dll.
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
        /// <summary>TERMINUS_OK: success.</summary>
        Ok = 0,
        /// <summary>TERMINUS_E_INVALID: a bad argument (null, pid 0, unknown flag bits, a bad string); nothing was done.</summary>
        InvalidArgument = -1,
        /// <summary>TERMINUS_E_NOT_FOUND: no such process, session or server.</summary>
        NotFound = -2,
        /// <summary>TERMINUS_E_ACCESS_DENIED: the caller lacks the right to do this.</summary>
        AccessDenied = -3,
        /// <summary>TERMINUS_E_TIMEOUT: the time allowed ran out (a target still running after the grace period with NoForce).</summary>
        Timeout = -4,
        /// <summary>TERMINUS_E_REFUSED: vetoed, or a protected target (the caller, init, the System process, session 0).</summary>
        Refused = -5,
        /// <summary>TERMINUS_E_UNSUPPORTED: not available on this platform or backend.</summary>
        Unsupported = -6,
        /// <summary>TERMINUS_E_UNAVAILABLE: the server or bus cannot be reached.</summary>
        Unavailable = -7,
        /// <summary>TERMINUS_E_NO_MEMORY: out of memory (or of handles).</summary>
        NoMemory = -8,
        /// <summary>TERMINUS_E_OS: any other OS failure (see TerminusException.OsCode).</summary>
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
        /// <summary>A user is logged on and the session is in front.</summary>
        Active = 0,
        /// <summary>Connected, not (yet) active.</summary>
        Connected = 1,
        /// <summary>A user is logged on, nobody is connected.</summary>
        Disconnected = 4,
        /// <summary>A listener (the RDP listener on Windows); never logged off.</summary>
        Listen = 6,
        /// <summary>Down (Windows); never logged off.</summary>
        Down = 8,
        /// <summary>Idle, closing, or a state the backend does not name.</summary>
        Other = 9,
        /// <summary>Being initialized (Windows); never logged off.</summary>
        Init = 10,
    }

    /// <summary>What kind of session (TERMINUS_SESSION_TYPE_*).</summary>
    public enum SessionType
    {
        /// <summary>Not known (or the backend cannot tell).</summary>
        Unknown = 0,
        /// <summary>A text terminal (logind "tty": a console or an ssh login).</summary>
        Tty = 1,
        /// <summary>An X11 desktop (logind).</summary>
        X11 = 2,
        /// <summary>A Wayland desktop (logind).</summary>
        Wayland = 3,
        /// <summary>A Remote Desktop session (Windows).</summary>
        Rdp = 4,
        /// <summary>The machine's own console (Windows).</summary>
        Console = 5,
        /// <summary>Another kind.</summary>
        Other = 6,
    }

    /// <summary>logind's class of a session (TERMINUS_SESSION_CLASS_*); Unknown on Windows.</summary>
    public enum SessionClass
    {
        /// <summary>Not known.</summary>
        Unknown = 0,
        /// <summary>A user's own session.</summary>
        User = 1,
        /// <summary>A login screen: never selected by state, idle time or user.</summary>
        Greeter = 2,
        /// <summary>A lock screen (logind).</summary>
        LockScreen = 3,
        /// <summary>A background session: no user at it (logind).</summary>
        Background = 4,
        /// <summary>Another class.</summary>
        Other = 5,
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
        /// <summary>No flag: ask, wait the grace period, then kill what is left.</summary>
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
        /// <summary>End each target and all its descendants, with one shared grace (options
        /// version 2): a process is a child only if it started after its parent; children forked
        /// meanwhile are found by scanning again. A target's result is then its tree's
        /// (TerminateDetail.TreeMembers, TreeEscaped); a target that is the caller or one of its
        /// ancestors is Refused. Needs a backend that lists processes.</summary>
        Tree = 0x10,
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
        /// <summary>No flag: ask the applications, wait for them.</summary>
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
        /// <summary>With TerminateFlags.Tree (InvalidArgument without it), Windows: a job
        /// object handle (JOB_OBJECT_QUERY and JOB_OBJECT_TERMINATE rights) that holds the
        /// tree: every process in the job is a member, and what is left after the grace also
        /// goes with TerminateJobObject. The target must be in the job (InvalidArgument) and
        /// the caller must not be (Refused); Linux has no jobs (Unsupported). On a fake, a
        /// group's number (Fake.SetGroup). IntPtr.Zero (the default): none.</summary>
        public IntPtr Job;

        /// <summary>The defaults: version 2, no flags, 5 s of grace, forced exit code 1,
        /// Steps.Default.</summary>
        public static TerminateOptions Default
        {
            get
            {
                if (Loader.Failure != null)
                    throw Loader.Failure;
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

        /// <summary>A one-line description, for logs and debugging.</summary>
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

        /// <summary>A one-line description, for logs and debugging.</summary>
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
            TreeMembers = d.tree_members;
            TreeEscaped = d.tree_escaped;
            TreeGroup = d.tree_group != 0;
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
        /// <summary>With TerminateFlags.Tree: how many processes its tree had, itself included
        /// (0 if it was never found); 1 otherwise.</summary>
        public uint TreeMembers { get; private set; }
        /// <summary>With TerminateFlags.Tree: how many of them did not end (0 when the whole tree
        /// ended).</summary>
        public uint TreeEscaped { get; private set; }
        /// <summary>With TerminateFlags.Tree: true when the OS group that holds the tree (Linux:
        /// the target's own cgroup, when it holds the tree alone; Windows: the Job given) was
        /// the tree, false when the process list was walked.</summary>
        public bool TreeGroup { get; private set; }

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

        /// <summary>A one-line description, for logs and debugging.</summary>
        public override string ToString()
        {
            return string.Format("TerminateDetail(ended by {0}, reach {1}, sent {2}, skipped {3})",
                                 EndedBy, Reach, Sent, Skipped);
        }
    }

    /// <summary>One process, as Context.ProcessList sees it (terminus_process_info).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ProcessInfo
    {
        /// <summary>Session (and Uid) when there is none (TERMINUS_SESSION_NONE, TERMINUS_UID_UNKNOWN).</summary>
        public const uint None = uint.MaxValue;

#pragma warning disable 0649 // filled from the library's struct
        private uint pid;
        private uint ppid;
        private uint session;
        private uint uid;
        private ulong start;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 256)]
        private byte[] name;
#pragma warning restore 0649

        /// <summary>The process id.</summary>
        public uint Pid { get { return pid; } }
        /// <summary>Its parent's pid as the OS records it (0 if none); meaningful only with
        /// Start (a link may point at a pid that was reused).</summary>
        public uint ParentPid { get { return ppid; } }
        /// <summary>Its session, or null when it is in none.</summary>
        public uint? Session { get { return session == None ? (uint?)null : session; } }
        /// <summary>Its owner's user id (Linux), or null when unknown (Windows).</summary>
        public uint? Uid { get { return uid == None ? (uint?)null : uid; } }
        /// <summary>When it started, comparable between processes of this boot (Linux: clock
        /// ticks since boot; Windows: FILETIME; a fake: its virtual microseconds).</summary>
        public ulong Start { get { return start; } }
        /// <summary>Its image name ("notepad.exe", "sleep").</summary>
        public string Name { get { return Utf8.FromBytes(name); } }

        /// <summary>A one-line description, for logs and debugging.</summary>
        public override string ToString()
        {
            return string.Format("ProcessInfo({0} \"{1}\", parent {2})", Pid, Name, ParentPid);
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

        /// <summary>A one-line description, for logs and debugging.</summary>
        public override string ToString()
        {
            return string.Format("Session({0}, {1}, \"{2}\", \"{3}\")", Id, State, Name, User);
        }
    }

    /// <summary>One session with what an administrator needs to decide about it
    /// (terminus_session_details). Times are microseconds since the Unix epoch on
    /// the server's clock, 0 when unknown.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SessionDetails
    {
        /// <summary>The session id, as Session.Id.</summary>
        public uint Id;
        /// <summary>Its state.</summary>
        public SessionState State;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 64)]
        internal byte[] name;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 256)]
        internal byte[] user;
        /// <summary>What kind of session it is.</summary>
        public SessionType Type;
        /// <summary>Its class (logind; a user's session on Windows).</summary>
        public SessionClass Class;
        internal int remote;
        internal int idleHint;
        /// <summary>When its user logged on, in microseconds since the Unix epoch; 0 if unknown.</summary>
        public long LogonUs;
        /// <summary>Since when it has been idle, in microseconds since the Unix epoch; 0 if unknown or not idle.</summary>
        public long IdleSinceUs;
        /// <summary>When it was disconnected, in microseconds since the Unix epoch; 0 if unknown or connected.</summary>
        public long DisconnectUs;
        /// <summary>The server's clock when these were read.</summary>
        public long NowUs;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 256)]
        internal byte[] client;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 64)]
        internal byte[] address;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 64)]
        internal byte[] seat;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 64)]
        internal byte[] tty;

        /// <summary>The session's name ("RDP-Tcp#3", "Console", the logind id "c2").</summary>
        public string Name { get { return Utf8.FromBytes(name); } }
        /// <summary>Its user ("alice" or "DOMAIN\alice"); "" if none.</summary>
        public string User { get { return Utf8.FromBytes(user); } }
        /// <summary>The client's host ("" if none).</summary>
        public string Client { get { return Utf8.FromBytes(client); } }
        /// <summary>The client's address (Windows).</summary>
        public string Address { get { return Utf8.FromBytes(address); } }
        /// <summary>The seat (logind) or window station (Windows).</summary>
        public string Seat { get { return Utf8.FromBytes(seat); } }
        /// <summary>The terminal (logind).</summary>
        public string Tty { get { return Utf8.FromBytes(tty); } }
        /// <summary>Used from another machine; null when unknown.</summary>
        public bool? Remote { get { return remote < 0 ? (bool?)null : remote != 0; } }
        /// <summary>logind's IdleHint; null on Windows.</summary>
        public bool? IdleHint { get { return idleHint < 0 ? (bool?)null : idleHint != 0; } }

        /// <summary>How long it has been idle (terminus_session_idle_ms); null when unknown.</summary>
        public TimeSpan? Idle
        {
            get {
                var copy = this;
                long ms = Native.terminus_session_idle_ms(ref copy);
                return ms < 0 ? (TimeSpan?)null : TimeSpan.FromMilliseconds(ms);
            }
        }

        /// <summary>The idle time as query user writes it (".", "5", "1:02", "2+03:04", "none").</summary>
        public string IdleText { get { return Library.FormatIdle(Idle); } }

        /// <summary>The session in one line, for logs.</summary>
        public override string ToString()
        {
            return string.Format("Session({0}, {1}, \"{2}\", \"{3}\", idle {4})", Id, State, Name, User, IdleText);
        }
    }

    /// <summary>What Server.LogoffMatching did to one session (terminus_session_outcome).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SessionOutcome
    {
        /// <summary>The session, as listed when it was selected.</summary>
        public SessionDetails Session;
        internal int status;
        internal int warnStatus;
        internal int warned;
        internal int endedEarly;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 256)]
        internal byte[] message;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 256)]
        internal byte[] warnMessage;

        /// <summary>Ok: logged off, ended by itself during the countdown, or (dry run) would be.</summary>
        public ErrorCode Status { get { return (ErrorCode)status; } }
        /// <summary>Whether Status is Ok.</summary>
        public bool IsOk { get { return status == 0; } }
        /// <summary>Ok: warned, or no warning was asked.</summary>
        public ErrorCode WarnStatus { get { return (ErrorCode)warnStatus; } }
        /// <summary>Whether the warning reached its user.</summary>
        public bool Warned { get { return warned != 0; } }
        /// <summary>Its user logged off during the countdown.</summary>
        public bool EndedEarly { get { return endedEarly != 0; } }
        /// <summary>What happened, in words, when Status is not Ok.</summary>
        public string Message { get { return Utf8.FromBytes(message); } }
        /// <summary>What happened to the warning, in words, when WarnStatus is not Ok.</summary>
        public string WarnMessage { get { return Utf8.FromBytes(warnMessage); } }
        /// <summary>The exception for Status (not thrown), or null.</summary>
        public TerminusException Error
        {
            get { return status == 0 ? null : TerminusException.Create((ErrorCode)status, 0, Message); }
        }
    }

    /// <summary>One thing that holds a logoff or a shutdown back (terminus_blocker).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Blocker
    {
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 64)]
        internal byte[] what;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 256)]
        internal byte[] who;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 512)]
        internal byte[] why;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 16)]
        internal byte[] mode;
        internal uint uid;
        /// <summary>The program's process id; 0 when unknown.</summary>
        public uint Pid;

        /// <summary>"shutdown:sleep" (logind), "shutdown" (Windows).</summary>
        public string What { get { return Utf8.FromBytes(what); } }
        /// <summary>The program that holds it back.</summary>
        public string Who { get { return Utf8.FromBytes(who); } }
        /// <summary>Why, in its own words.</summary>
        public string Why { get { return Utf8.FromBytes(why); } }
        /// <summary>"block" or "delay".</summary>
        public string Mode { get { return Utf8.FromBytes(mode); } }
        /// <summary>The program's user id; null when unknown (Windows).</summary>
        public uint? Uid { get { return uid == uint.MaxValue ? (uint?)null : uid; } }
    }

    /// <summary>Which sessions Server.LogoffMatching logs off, and how.</summary>
    public sealed class SessionSelection
    {
        /// <summary>Only this session (Server.CurrentSession: the caller's own).</summary>
        public uint? Session;
        /// <summary>Only sessions in one of these states.</summary>
        public SessionState[] States;
        /// <summary>Only sessions idle at least this long.</summary>
        public TimeSpan? Idle;
        /// <summary>Only this user's sessions ("alice" or "DOMAIN\alice").</summary>
        public string User;
        /// <summary>Wait, within Timeout for all, for them to be gone.</summary>
        public bool Wait;
        /// <summary>How long Wait waits for all the sessions together (default 60 s).</summary>
        public TimeSpan Timeout = TimeSpan.FromSeconds(60);
        /// <summary>First show each user this text, then wait Countdown.</summary>
        public string Warn;
        /// <summary>How long to wait after the warning before the logoff (default 0).</summary>
        public TimeSpan Countdown = TimeSpan.Zero;
        /// <summary>The title of the warning (Windows' message box); null for "terminus".</summary>
        public string Title;
        /// <summary>Log off only the sessions the warning reached.</summary>
        public bool WarnedOnly;
        /// <summary>Change nothing; the outcomes say what would be done.</summary>
        public bool DryRun;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeSessionFilter
    {
        public uint version;
        public uint flags;
        public uint states;
        public uint id;
        public ulong idle_ms;
        public IntPtr user;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeLogoffOptions
    {
        public uint version;
        public uint flags;
        public uint timeout_ms;
        public uint countdown_ms;
        public IntPtr title;
        public IntPtr message;
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

        /// <summary>An exception for a code, with the native error number and the library's message.</summary>
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
        /// <summary>An exception with the native error number (0 if none) and the library's message.</summary>
        public InvalidArgumentException(long osCode, string message) : base(ErrorCode.InvalidArgument, osCode, message) { }
    }
    /// <summary>TERMINUS_E_NOT_FOUND: no such process, session or server.</summary>
    public sealed class NotFoundException : TerminusException
    {
        /// <summary>An exception with the native error number (0 if none) and the library's message.</summary>
        public NotFoundException(long osCode, string message) : base(ErrorCode.NotFound, osCode, message) { }
    }
    /// <summary>TERMINUS_E_ACCESS_DENIED.</summary>
    public sealed class AccessDeniedException : TerminusException
    {
        /// <summary>An exception with the native error number (0 if none) and the library's message.</summary>
        public AccessDeniedException(long osCode, string message) : base(ErrorCode.AccessDenied, osCode, message) { }
    }
    /// <summary>TERMINUS_E_TIMEOUT (named so as not to clash with System.TimeoutException).</summary>
    public sealed class TimedOutException : TerminusException
    {
        /// <summary>An exception with the native error number (0 if none) and the library's message.</summary>
        public TimedOutException(long osCode, string message) : base(ErrorCode.Timeout, osCode, message) { }
    }
    /// <summary>TERMINUS_E_REFUSED: vetoed, or a protected target (your own pid, init, session 0).</summary>
    public sealed class RefusedException : TerminusException
    {
        /// <summary>An exception with the native error number (0 if none) and the library's message.</summary>
        public RefusedException(long osCode, string message) : base(ErrorCode.Refused, osCode, message) { }
    }
    /// <summary>TERMINUS_E_UNSUPPORTED: not available on this platform or backend.</summary>
    public sealed class UnsupportedException : TerminusException
    {
        /// <summary>An exception with the native error number (0 if none) and the library's message.</summary>
        public UnsupportedException(long osCode, string message) : base(ErrorCode.Unsupported, osCode, message) { }
    }
    /// <summary>TERMINUS_E_UNAVAILABLE: the server or bus cannot be reached.</summary>
    public sealed class UnavailableException : TerminusException
    {
        /// <summary>An exception with the native error number (0 if none) and the library's message.</summary>
        public UnavailableException(long osCode, string message) : base(ErrorCode.Unavailable, osCode, message) { }
    }
    /// <summary>TERMINUS_E_NO_MEMORY.</summary>
    public sealed class NoMemoryException : TerminusException
    {
        /// <summary>An exception with the native error number (0 if none) and the library's message.</summary>
        public NoMemoryException(long osCode, string message) : base(ErrorCode.NoMemory, osCode, message) { }
    }
    /// <summary>TERMINUS_E_OS: any other OS failure (see OsCode).</summary>
    public sealed class OSFailureException : TerminusException
    {
        /// <summary>An exception with the native error number (0 if none) and the library's message.</summary>
        public OSFailureException(long osCode, string message) : base(ErrorCode.OSFailure, osCode, message) { }
    }
    /// <summary>TERMINUS_E_UNREACHABLE: no graceful request can reach the target (no listener,
    /// no window, no console, another session), with NoForce.</summary>
    public sealed class UnreachableException : TerminusException
    {
        /// <summary>An exception with the native error number (0 if none) and the library's message.</summary>
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

        /// <summary>A handle that frees what it holds.</summary>
        protected TerminusHandle() : base(IntPtr.Zero, true) { }
        /// <summary>A handle; ownsHandle false: it never frees what it holds.</summary>
        protected TerminusHandle(bool ownsHandle) : base(IntPtr.Zero, ownsHandle) { }

        /// <summary>True for a null handle.</summary>
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }

        internal void HoldParent(SafeHandle p)
        {
            bool added = false;
            p.DangerousAddRef(ref added);
            if (added)
                parent = p;
        }

        /// <summary>Free the native object (the terminus_*_free or _close function).</summary>
        protected abstract void Free(IntPtr h);

        /// <summary>Frees the native object, then releases the parent handle it held.</summary>
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
        /// <summary>Free the native object (the terminus_*_free or _close function).</summary>
        protected override void Free(IntPtr h) { Native.terminus_ctx_free(h); }
    }

    /// <summary>A terminus_server*.</summary>
    public sealed class ServerHandle : TerminusHandle
    {
        private ServerHandle() { }
        /// <summary>Free the native object (the terminus_*_free or _close function).</summary>
        protected override void Free(IntPtr h) { Native.terminus_server_close(h); }
    }

    /// <summary>A terminus_listener*; keeps its callback alive until freed.</summary>
    public sealed class ListenerHandle : TerminusHandle
    {
        internal Native.RequestFn Callback;
        private ListenerHandle() { }
        /// <summary>Free the native object (the terminus_*_free or _close function).</summary>
        protected override void Free(IntPtr h) { Native.terminus_listener_free(h); }
    }

    /// <summary>A terminus_fake*.</summary>
    public sealed class FakeHandle : TerminusHandle
    {
        private FakeHandle() { }
        /// <summary>Free the native object (the terminus_*_free or _close function).</summary>
        protected override void Free(IntPtr h) { Native.terminus_fake_free(h); }
    }

    // ------------------------------------------------------------------
    // The API.
    // ------------------------------------------------------------------

    /// <summary>Library-wide functions.</summary>
    public static class Library
    {
        /// <summary>The version of the loaded library, "MAJOR.MINOR.PATCH".</summary>
        public static string Version { get { if (Loader.Failure != null) throw Loader.Failure; return Utf8.FromPtr(Native.terminus_version()); } }
        /// <summary>A short description of a code, such as "access denied".</summary>
        public static string StrError(ErrorCode code) { if (Loader.Failure != null) throw Loader.Failure; return Utf8.FromPtr(Native.terminus_strerror((int)code)); }
        /// <summary>The C name of a code, such as "TERMINUS_E_ACCESS_DENIED".</summary>
        public static string ErrorName(ErrorCode code) { if (Loader.Failure != null) throw Loader.Failure; return Utf8.FromPtr(Native.terminus_error_name((int)code)); }

        /// <summary>A duration as logoff /IDLE: reads it ("90m", "2h", "1h30m", "2+03:04");
        /// InvalidArgumentException saying why when it does not parse.</summary>
        public static TimeSpan ParseDuration(string text)
        {
            if (Loader.Failure != null) throw Loader.Failure;
            ulong ms;
            Error.Check(Native.terminus_duration_parse(Utf8.ToBytes(text), out ms));
            return TimeSpan.FromMilliseconds(ms);
        }

        /// <summary>An idle time as query user writes it: ".", "5", "1:02", "2+03:04"; "none" for null.</summary>
        public static string FormatIdle(TimeSpan? idle)
        {
            if (Loader.Failure != null) throw Loader.Failure;
            var buf = new byte[32];
            long ms = idle.HasValue ? (long)Math.Max(0, idle.Value.TotalMilliseconds) : -1;
            Error.Check(Native.terminus_idle_format(ms, buf, new UIntPtr(32)));
            return Utf8.FromBytes(buf);
        }
        /// <summary>The longest identity token, with its terminating NUL (TERMINUS_TOKEN_MAX).</summary>
        public const int TokenMax = 96;
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
            if (Loader.Failure != null)
                throw Loader.Failure;
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

        // One terminate call on pids (Terminate, TerminateMany): see Run.
        private int Call(uint[] pids, TerminateOptions options, Result[] results, TerminateDetail[] details,
                         Action<Progress> progress, bool single)
        {
            int n = pids.Length;
            return Run(options, details != null ? n : 0, details, progress,
                       delegate (ref TerminateOptions o) {
                           if (!single)
                               return Native.terminus_terminate_many(Handle, pids, (UIntPtr)n, ref o, results);
                           Result r;
                           int rc = Native.terminus_terminate(Handle, pids[0], ref o, out r);
                           results[0] = r;
                           return rc;
                       });
        }

        private delegate int NativeCall(ref TerminateOptions options);

        // One terminate call: the detail array in unmanaged memory (room entries; details,
        // if not null, receives one TerminateDetail per entry, null ones when the call is
        // rejected as a whole), the progress delegate kept alive for the call, and its
        // exception rethrown once the call has returned (it never crosses into C).
        private static int Run(TerminateOptions options, int room, TerminateDetail[] details,
                               Action<Progress> progress, NativeCall native)
        {
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
                if (details != null && room > 0) {
                    buf = Marshal.AllocHGlobal(size * room);
                    Marshal.Copy(new byte[size * room], 0, buf, size * room);
                    options.details = buf;
                    options.detailsCount = (UIntPtr)room;
                }
                rc = native(ref options);
                GC.KeepAlive(fn);
                if (details != null && buf != IntPtr.Zero && !IsRejected(rc)) {
                    for (int i = 0; i < room && i < details.Length; i++) {
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

        // --- processes by identity (terminus/process.h) ---

        /// <summary>Every process of this machine, as a snapshot (processes start and end while
        /// it is taken). UnsupportedException where the backend cannot list processes.</summary>
        public ProcessInfo[] ProcessList()
        {
            IntPtr list;
            UIntPtr count;
            Error.Check(Native.terminus_process_list(Handle, out list, out count));
            try {
                int n = (int)(ulong)count;
                int size = Marshal.SizeOf(typeof(ProcessInfo));
                var all = new ProcessInfo[n];
                for (int i = 0; i < n; i++)
                    all[i] = (ProcessInfo)Marshal.PtrToStructure(new IntPtr(list.ToInt64() + (long)i * size),
                                                                typeof(ProcessInfo));
                return all;
            } finally {
                Native.terminus_process_list_free(list);
            }
        }

        /// <summary>The identity token of a running process: a short string that names it and
        /// no other process during this boot ("t1.boot.pid.start.unique"). Keep it (a pidfile)
        /// and end exactly that process later with TerminateToken. NotFoundException if there is
        /// no such process.</summary>
        public string ProcessToken(uint pid)
        {
            var buf = new byte[Library.TokenMax];
            Error.Check(Native.terminus_process_token(Handle, pid, buf, (UIntPtr)buf.Length));
            return Utf8.FromBytes(buf);
        }

        /// <summary>ProcessToken with an int pid.</summary>
        public string ProcessToken(int pid) { return ProcessToken(Error.Pid(pid)); }

        /// <summary>End the process a token names, and only it, with the default options.</summary>
        public Result TerminateToken(string token) { return TerminateToken(token, TerminateOptions.Default); }

        /// <summary>End the process a token names, and only it: its pid is opened and its
        /// identity compared with the token's before anything is sent; a process that is gone,
        /// another that has the pid now, or a token of another boot is NotFoundException and
        /// nothing is signalled. A token that does not read is InvalidArgumentException saying
        /// why. TerminateFlags.Tree ends its tree.</summary>
        public Result TerminateToken(string token, TerminateOptions options)
        {
            TerminateDetail detail;
            return TerminateToken(token, options, out detail);
        }

        /// <summary>TerminateToken with its detail and a progress callback (see Terminate).</summary>
        public Result TerminateToken(string token, TerminateOptions options, out TerminateDetail detail,
                                     Action<Progress> progress = null)
        {
            if (token == null)
                throw new ArgumentNullException("token");
            byte[] raw = Utf8.ToBytes(token);
            var results = new Result[1];
            var details = new TerminateDetail[1];
            int rc = Run(options, 1, details, progress, delegate (ref TerminateOptions o) {
                Result r;
                int code = Native.terminus_terminate_token(Handle, raw, ref o, out r);
                results[0] = r;
                return code;
            });
            detail = details[0];
            if (rc != 0) {
                TerminusException e = Error.Last(rc);
                e.Result = results[0];
                e.Detail = detail;
                throw e;
            }
            return results[0];
        }

        /// <summary>How many of TerminateName's matches get a TerminateDetail (how many will
        /// match is not known before the call; the others get null).</summary>
        public const int NameDetails = 1024;

        /// <summary>
        /// End every process whose image name is <paramref name="image"/>, with one shared
        /// grace: exactly on Linux, without regard to ASCII case on Windows; never the caller,
        /// never the system's first process (nor, with Tree, the caller's ancestors);
        /// optionally only in one session or of one user. Each match is held by its identity:
        /// one that has ended by the time it is opened (or whose pid now names another process)
        /// is Gone, and the other process is never signalled. Returns one Result per match, in
        /// the order of <paramref name="pids"/> (ascending). NotFoundException when nothing
        /// matches; as TerminateMany, an exception when the call is rejected as a whole.
        /// </summary>
        public Result[] TerminateName(string image, TerminateOptions options, out uint[] pids,
                                      uint? session = null, uint? uid = null)
        {
            TerminateDetail[] details;
            return TerminateName(image, options, out pids, out details, session, uid);
        }

        /// <summary>TerminateName with a detail per match (up to NameDetails of them) and a
        /// progress callback (Progress.Index is the match's index).</summary>
        public Result[] TerminateName(string image, TerminateOptions options, out uint[] pids,
                                      out TerminateDetail[] details, uint? session = null, uint? uid = null,
                                      Action<Progress> progress = null)
        {
            if (image == null)
                throw new ArgumentNullException("image");
            byte[] raw = Utf8.ToBytes(image);
            var filter = new NameFilter {
                Version = 1,
                Session = session ?? ProcessInfo.None,
                Uid = uid ?? ProcessInfo.None,
            };
            var room = new TerminateDetail[NameDetails];
            IntPtr pidArray = IntPtr.Zero, resArray = IntPtr.Zero;
            UIntPtr count = UIntPtr.Zero;
            int rc = Run(options, NameDetails, room, progress, delegate (ref TerminateOptions o) {
                return Native.terminus_terminate_name(Handle, raw, ref filter, ref o, out pidArray,
                                                      out resArray, out count);
            });
            int n = (int)(ulong)count;
            try {
                pids = new uint[n];
                var results = new Result[n];
                details = new TerminateDetail[n];
                int size = Marshal.SizeOf(typeof(Result));
                for (int i = 0; i < n; i++) {
                    pids[i] = (uint)Marshal.ReadInt32(pidArray, i * 4);
                    results[i] = (Result)Marshal.PtrToStructure(new IntPtr(resArray.ToInt64() + (long)i * size),
                                                                typeof(Result));
                    details[i] = i < NameDetails ? room[i] : null;
                }
                if (n == 0 || IsRejected(rc)) {
                    TerminusException e = Error.Last(rc);
                    e.Results = results;
                    throw e;
                }
                return results;
            } finally {
                Native.terminus_name_results_free(pidArray);
                Native.terminus_name_results_free(resArray);
            }
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

        /// <summary>Close the server (terminus_server_close).</summary>
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

        static T[] ReadArray<T>(IntPtr list, UIntPtr count)
        {
            int n = (int)count;
            int size = Marshal.SizeOf(typeof(T));
            var result = new T[n];
            for (int i = 0; i < n; i++)
                result[i] = (T)Marshal.PtrToStructure(new IntPtr(list.ToInt64() + (long)i * size), typeof(T));
            return result;
        }

        /// <summary>Every session, with its details (times, idle time, client, type, seat).</summary>
        public SessionDetails[] Details()
        {
            IntPtr list;
            UIntPtr count;
            Error.Check(Native.terminus_session_details_list(handle, out list, out count));
            try {
                return ReadArray<SessionDetails>(list, count);
            } finally {
                Native.terminus_session_details_free(list);
            }
        }

        /// <summary>Show a message to a session's user (Windows: a box that closes after timeout,
        /// none = until closed; Linux: written to its terminal, UnsupportedException when graphical).</summary>
        public void Message(uint id, string text, string title = null, TimeSpan? timeout = null)
        {
            uint ms = timeout.HasValue ? Error.Milliseconds("timeout", timeout.Value) : 0;
            Error.Check(Native.terminus_session_message(handle, id, Utf8.ToBytes(title), Utf8.ToBytes(text), ms));
        }

        static IntPtr Utf8Alloc(string s)
        {
            if (s == null)
                return IntPtr.Zero;
            byte[] b = Utf8.ToBytes(s);
            IntPtr p = Marshal.AllocHGlobal(b.Length);
            Marshal.Copy(b, 0, p, b.Length);
            return p;
        }

        /// <summary>Log off every session that matches every criterion given, in one call.
        /// Returns one outcome per session that matched (a failed one: IsOk false, its Error);
        /// throws when the call failed before acting on any (NotFoundException: "no session
        /// matched"; InvalidArgumentException; a failed listing).</summary>
        public SessionOutcome[] LogoffMatching(SessionSelection sel)
        {
            if (sel == null)
                throw new InvalidArgumentException(0, "the selection is null");
            var f = new NativeSessionFilter { version = 1 };
            var o = new NativeLogoffOptions { version = 1 };
            if (sel.Session.HasValue) {
                f.flags |= 2;
                f.id = sel.Session.Value;
            }
            if (sel.States != null)
                foreach (var st in sel.States)
                    f.states |= 1u << (int)st;
            if (sel.Idle.HasValue) {
                if (sel.Idle.Value < TimeSpan.Zero)
                    throw new InvalidArgumentException(0, "idle " + sel.Idle.Value + " is negative");
                f.flags |= 1;
                f.idle_ms = (ulong)sel.Idle.Value.TotalMilliseconds;
            }
            o.flags = (sel.Wait ? 1u : 0u) | (sel.DryRun ? 2u : 0u) | (sel.WarnedOnly ? 4u : 0u);
            o.timeout_ms = sel.Wait ? Error.Milliseconds("timeout", sel.Timeout) : 0;
            o.countdown_ms = Error.Milliseconds("countdown", sel.Countdown);
            IntPtr list = IntPtr.Zero;
            UIntPtr count = UIntPtr.Zero;
            int rc;
            try {
                f.user = Utf8Alloc(sel.User);
                o.title = Utf8Alloc(sel.Title);
                o.message = Utf8Alloc(sel.Warn);
                rc = Native.terminus_session_logoff_matching(handle, ref f, ref o, out list, out count);
            } finally {
                Marshal.FreeHGlobal(f.user);
                Marshal.FreeHGlobal(o.title);
                Marshal.FreeHGlobal(o.message);
            }
            if ((ulong)count == 0)
                Error.Check(rc);
            try {
                return ReadArray<SessionOutcome>(list, count);
            } finally {
                Native.terminus_session_outcomes_free(list);
            }
        }

        /// <summary>What holds a logoff or shutdown back (Linux: logind's inhibitors, the
        /// same for every session; Windows: the caller's own session only).</summary>
        public Blocker[] Blockers(uint id = CurrentSession)
        {
            IntPtr list;
            UIntPtr count;
            Error.Check(Native.terminus_session_blockers(handle, id, out list, out count));
            try {
                return ReadArray<Blocker>(list, count);
            } finally {
                Native.terminus_blockers_free(list);
            }
        }
    }

    // ------------------------------------------------------------------
    // The fake OS.
    // ------------------------------------------------------------------

    /// <summary>How a scripted process behaves (TERMINUS_FAKE_*).</summary>
    public enum FakeBehaviour
    {
        /// <summary>Leaves afterMs after an exit request, with exitCode.</summary>
        ExitsOnRequest = 1,
        /// <summary>Ignores exit requests (a hung or stubborn process); a kill ends it.</summary>
        Ignores = 2,
        /// <summary>Leaves by itself afterMs after it was added; ignores requests.</summary>
        ExitsAfter = 3,
        /// <summary>Has already exited with exitCode.</summary>
        Gone = 4,
        /// <summary>Cannot be opened: access denied.</summary>
        Denied = 5,
        /// <summary>Ignores requests and kills (stuck in the kernel).</summary>
        Unkillable = 6,
        /// <summary>Ignores requests; a kill fails with access denied.</summary>
        KillDenied = 7,
    }

    /// <summary>What a scripted session does when logged off.</summary>
    public enum FakeSessionBehaviour
    {
        /// <summary>Gone afterMs after a logoff.</summary>
        Ends = 0,
        /// <summary>A logoff fails: access denied.</summary>
        Denied = 1,
        /// <summary>A logoff succeeds, but the session never goes.</summary>
        Hangs = 2,
    }

    /// <summary>The traits of a fake's table (TERMINUS_OS_*), Fake.SetTraits.</summary>
    [Flags]
    public enum FakeTraits : uint
    {
        /// <summary>Names compared exactly, parent links kept.</summary>
        None = 0,
        /// <summary>Image names compared without regard to ASCII case, as on Windows
        /// (TERMINUS_OS_NAMES_NOCASE).</summary>
        NamesNoCase = 0x1,
        /// <summary>A process whose parent ends is re-parented (listed with parent 1), as on
        /// Linux (TERMINUS_OS_REPARENTS).</summary>
        Reparents = 0x2,
    }

    /// <summary>What happened to a scripted process (terminus_fake_process_info).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FakeProcessInfo
    {
        private int running;
        /// <summary>Its exit code, once ended.</summary>
        public uint ExitCode;
        /// <summary>The exit requests it received (message steps, process_request calls).</summary>
        public uint Requests;
        /// <summary>The kills it received.</summary>
        public uint Kills;
        /// <summary>The virtual time it ended at, in microseconds, once ended.</summary>
        public ulong EndedUs;
        /// <summary>True while it runs.</summary>
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

        /// <summary>A new fake OS (terminus_fake_new): no process but the caller (pid 1000) and pid 1, the virtual clock at 0.</summary>
        public Fake()
        {
            if (Loader.Failure != null)
                throw Loader.Failure;
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

        /// <summary>Add a scripted process: how it behaves, after how many milliseconds, with which exit code.</summary>
        public void AddProcess(uint pid, FakeBehaviour behaviour, uint afterMs = 0, uint exitCode = 0)
        {
            Error.Check(Native.terminus_fake_process_add(handle, pid, (int)behaviour, afterMs, exitCode));
        }

        /// <summary>What happened to a scripted process (requests, kills, whether and when it ended).</summary>
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

        // --- what names a process ---

        /// <summary>The boot id a new fake gives (TERMINUS_FAKE_BOOT_ID).</summary>
        public const string BootId = "fakeboot";

        /// <summary>Add a scripted process that starts at <paramref name="startUs"/> on the
        /// virtual clock (later: it does not exist until then; its pid may be one whose process
        /// has ended by then: the pid is reused).</summary>
        public void AddProcessAt(uint pid, FakeBehaviour behaviour, ulong startUs, uint afterMs = 0,
                                 uint exitCode = 0)
        {
            Error.Check(Native.terminus_fake_process_add_at(handle, pid, (int)behaviour, afterMs, exitCode,
                                                            startUs));
        }

        /// <summary>Set a scripted process's parent link (0: none); kept as it is set.</summary>
        public void SetParent(uint pid, uint ppid) { Error.Check(Native.terminus_fake_process_set_parent(handle, pid, ppid)); }

        /// <summary>Set a scripted process's image name (default "fake-PID").</summary>
        public void SetName(uint pid, string name)
        {
            Error.Check(Native.terminus_fake_process_set_name(handle, pid, Utf8.ToBytes(name)));
        }

        /// <summary>Set the session and the user a scripted process runs as (null: none, unknown).</summary>
        public void SetOwner(uint pid, uint? session, uint? uid)
        {
            Error.Check(Native.terminus_fake_process_set_owner(handle, pid, session ?? ProcessInfo.None,
                                                               uid ?? ProcessInfo.None));
        }

        /// <summary>Set the number that names a scripted process and no other (0: none).</summary>
        public void SetUnique(uint pid, ulong unique) { Error.Check(Native.terminus_fake_process_set_unique(handle, pid, unique)); }

        /// <summary>Make a scripted process fork <paramref name="child"/> when one of
        /// <paramref name="steps"/> first reaches it (its parent, name, session and user); with
        /// <paramref name="generations"/> above 1 the child forks in turn (pid + 1).</summary>
        public void ForkOn(uint pid, Steps steps, uint child, uint generations = 1,
                           FakeBehaviour behaviour = FakeBehaviour.Ignores, uint afterMs = 0, uint exitCode = 0)
        {
            Error.Check(Native.terminus_fake_process_fork_on(handle, pid, (uint)steps, child, generations,
                                                             (int)behaviour, afterMs, exitCode));
        }

        /// <summary>Set the boot id the fake gives (default BootId), as after a reboot.</summary>
        public void SetBootId(string boot) { Error.Check(Native.terminus_fake_set_boot_id(handle, Utf8.ToBytes(boot))); }

        /// <summary>Put a scripted process in a group (0: none), as a cgroup or a job object holds
        /// a process and what it starts (its forks follow it). A tree whose group holds it alone
        /// is ended through the group, as the Linux backend uses a cgroup; TerminateOptions.Job
        /// = (IntPtr)group makes the group the tree, as a job object does on Windows.</summary>
        public void SetGroup(uint pid, uint group) { Error.Check(Native.terminus_fake_process_set_group(handle, pid, group)); }

        /// <summary>Set the caller's own group (0: none): a tree in it is walked, a job that is it
        /// is refused.</summary>
        public void SetSelfGroup(uint group) { Error.Check(Native.terminus_fake_set_self_group(handle, group)); }

        /// <summary>Set the traits of the fake's table: NamesNoCase matches image names as
        /// Windows does, Reparents re-parents orphans as Linux does; for the contexts created
        /// after.</summary>
        public void SetTraits(FakeTraits traits) { Error.Check(Native.terminus_fake_set_traits(handle, (uint)traits)); }

        /// <summary>Make each later call of a primitive cost virtual time.</summary>
        public void SetLatency(string primitive, uint us)
        {
            Error.Check(Native.terminus_fake_set_latency(handle, Utf8.ToBytes(primitive), us));
        }

        /// <summary>Add a named server (reachable or not); "" is this machine, always there.</summary>
        public void AddServer(string name, bool reachable = true)
        {
            Error.Check(Native.terminus_fake_server_add(handle, Utf8.ToBytes(name), reachable ? 1 : 0));
        }

        /// <summary>Add a session on a server ("" is this machine): its id, name, user, state, and what a logoff does to it.</summary>
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

        /// <summary>Whether a session still exists (false once a logoff ended it).</summary>
        public bool SessionExists(uint id, string server = "")
        {
            return Native.terminus_fake_session_exists(handle, Utf8.ToBytes(server), id) == 1;
        }

        /// <summary>The fake's wall clock at virtual time 0, µs since the Unix epoch
        /// (TERMINUS_FAKE_EPOCH_US: 2024-01-01 00:00 UTC).</summary>
        public const long EpochUs = 1704067200000000L;

        static byte[] Fixed(string s, int size)
        {
            var b = new byte[size];
            byte[] v = Utf8.ToBytes(s ?? "");
            System.Array.Copy(v, b, Math.Min(v.Length, size - 1));
            return b;
        }

        /// <summary>What a session's details say (times: µs since the Unix epoch, on the
        /// fake's clock: EpochUs + NowUs; 0 = unknown).</summary>
        public void SetDetails(uint id, string server = "", SessionType type = SessionType.Unknown,
                               SessionClass cls = SessionClass.Unknown, bool? remote = null,
                               bool? idleHint = null, long logonUs = 0, long idleSinceUs = 0,
                               long disconnectUs = 0, string client = "", string address = "",
                               string seat = "", string tty = "")
        {
            var d = new SessionDetails {
                name = new byte[64], user = new byte[256], Type = type, Class = cls,
                remote = remote.HasValue ? (remote.Value ? 1 : 0) : -1,
                idleHint = idleHint.HasValue ? (idleHint.Value ? 1 : 0) : -1,
                LogonUs = logonUs, IdleSinceUs = idleSinceUs, DisconnectUs = disconnectUs,
                client = Fixed(client, 256), address = Fixed(address, 64), seat = Fixed(seat, 64),
                tty = Fixed(tty, 64),
            };
            Error.Check(Native.terminus_fake_session_set_details(handle, Utf8.ToBytes(server), id, ref d));
        }

        /// <summary>Make a session end by itself (its user logs off) afterMs from now.</summary>
        public void EndAfter(uint id, uint afterMs, string server = "")
        {
            Error.Check(Native.terminus_fake_session_end_after(handle, Utf8.ToBytes(server), id, afterMs));
        }

        /// <summary>Make messages to a session fail with a code (Ok: shown again).</summary>
        public void RefuseMessages(uint id, ErrorCode code, string server = "")
        {
            Error.Check(Native.terminus_fake_session_set_message(handle, Utf8.ToBytes(server), id, (int)code));
        }

        /// <summary>How many messages a session was shown; last: the last ("title: text").</summary>
        public uint Messages(uint id, out string last, string server = "")
        {
            var buf = new byte[2048];
            uint n = Native.terminus_fake_session_messages(handle, Utf8.ToBytes(server), id, buf, new UIntPtr(2048));
            last = Utf8.FromBytes(buf);
            return n;
        }

        /// <summary>Something that holds a logoff or shutdown back on a server, for every session.</summary>
        public void AddBlocker(string who, string why, string server = "", string what = "shutdown",
                               string mode = "block", uint? uid = null, uint pid = 0)
        {
            var b = new Blocker {
                what = Fixed(what, 64), who = Fixed(who, 256), why = Fixed(why, 512), mode = Fixed(mode, 16),
                uid = uid ?? uint.MaxValue, Pid = pid,
            };
            Error.Check(Native.terminus_fake_blocker_add(handle, Utf8.ToBytes(server), ref b));
        }

        /// <summary>Make the nth call (from now) of a primitive ("process_open", "wait_any", ..., or "*") fail.</summary>
        public void Fail(string primitive, ErrorCode code, uint nth = 1, bool persistent = false, long osCode = 0)
        {
            Error.Check(Native.terminus_fake_fail(handle, Utf8.ToBytes(primitive), nth, persistent ? 1 : 0, (int)code, osCode));
        }

        /// <summary>Clear every injected fault.</summary>
        public void FailClear() { Native.terminus_fake_fail_clear(handle); }
        /// <summary>How many injected faults have fired.</summary>
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

        /// <summary>Empty the call log.</summary>
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
        public uint tree_members;
        public uint tree_escaped;
        public uint tree_group;
    }

    /// <summary>terminus_name_filter of process.h.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NameFilter
    {
        public uint Version;
        public uint Session;
        public uint Uid;
        public uint Reserved;
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

    /// <summary>
    /// The native library could not be loaded. <see cref="Tried"/> lists, in order,
    /// each place the binding tried and why it failed. Thrown by the first call into
    /// terminus (and by every later one); a <see cref="DllNotFoundException"/>, so that
    /// code catching that still does.
    /// </summary>
    public sealed class LibraryNotFoundException : DllNotFoundException
    {
        /// <summary>Each place tried, as "where: why it failed", in the order tried.</summary>
        public IList<string> Tried { get; private set; }

        internal LibraryNotFoundException(IList<string> tried, Exception inner)
            : base(Describe(tried), inner)
        {
            Tried = new List<string>(tried).AsReadOnly();
        }

        private static string Describe(IList<string> tried)
        {
            var b = new StringBuilder("cannot load the terminus library; tried:");
            foreach (string t in tried)
                b.Append(Environment.NewLine).Append("  ").Append(t);
            b.Append(Environment.NewLine).Append(
                "set TERMINUS_LIBRARY to the path of libterminus (libterminus.so.0 or libterminus-0.dll)");
            return b.ToString();
        }
    }

    /// <summary>
    /// Finds and loads the native library, once, before the first call into it, and
    /// turns a failure into a <see cref="LibraryNotFoundException"/> that lists what it
    /// tried. The places, in order:
    /// <list type="number">
    /// <item>TERMINUS_LIBRARY, when set: that path and nothing else;</item>
    /// <item>the NuGet package's native folder for this platform (runtimes/linux-x64/native,
    /// runtimes/win-x64/native) under the folder of Terminus.dll, and two levels up (the
    /// package's own layout, lib/netstandard2.0/Terminus.dll), then Terminus.dll's folder;</item>
    /// <item>the system loader: libterminus.so.0 (libterminus-0.dll on Windows).</item>
    /// </list>
    /// On .NET Core 3.0 and later a DllImportResolver (installed through reflection, so
    /// that this file still compiles against mono and .NET Framework) hands the library
    /// loaded so to every [DllImport("terminus")]. mono 6 has no NativeLibrary: there the
    /// library is loaded by path first (dlopen, LoadLibrary), and the dllmap of
    /// Terminus.dll.config names it by its soname, libterminus.so.0, which the system
    /// loader answers with the library already loaded. A [DllImport] that still fails
    /// (a DllNotFoundException at the first call) is caught and replaced by a
    /// LibraryNotFoundException.
    /// </summary>
    internal static class Loader
    {
        private static IntPtr loaded;        // what the resolver returns (.NET Core)

        /// <summary>
        /// Null once the library is loaded, else why it is not. A static field of a class
        /// with no static constructor, so that the runtime may initialize it early: mono
        /// 6.8 binds a [DllImport] when it compiles the method that calls it, and a
        /// binding that failed then stays failed, so a method that calls into the
        /// library itself (a constructor, Library.Version) tests this field in its own
        /// body, <c>if (Loader.Failure != null) throw Loader.Failure;</c>: reading it
        /// makes mono load the library while it compiles that method, before it binds
        /// the calls that follow. A method that only reaches the library through other
        /// methods may call <see cref="Ensure"/>.
        /// </summary>
        internal static readonly LibraryNotFoundException Failure = LoadOnce();

        internal static void Ensure()
        {
            if (Failure != null)
                throw Failure;
        }

        private static LibraryNotFoundException LoadOnce()
        {
            var tried = new List<string>();
            try {
                return Load(tried);
            } catch (Exception e) {
                tried.Add("(the loader itself failed: " + e.Message + ")");
                return new LibraryNotFoundException(tried, e);
            }
        }

        private static bool IsWindows { get { return Path.DirectorySeparatorChar == '\\'; } }

        /// <summary>The places to try, in order, each with what it is for the message.</summary>
        private static List<KeyValuePair<string, string>> Candidates()
        {
            var list = new List<KeyValuePair<string, string>>();
            string env = Environment.GetEnvironmentVariable("TERMINUS_LIBRARY");
            if (!string.IsNullOrEmpty(env)) {
                list.Add(new KeyValuePair<string, string>(env, "TERMINUS_LIBRARY"));
                return list; // an explicit choice never falls back silently
            }
            string arch = IntPtr.Size == 8 ? "x64" : "x86";
            string rid = (IsWindows ? "win-" : "linux-") + arch;
            string[] files = IsWindows ? new[] { "libterminus-0.dll" }
                                       : new[] { "libterminus.so", "libterminus.so.0" };
            string here = null;
            try {
                here = Path.GetDirectoryName(typeof(Loader).Assembly.Location);
            } catch (Exception) {
                // an assembly loaded from bytes has no folder
            }
            if (!string.IsNullOrEmpty(here)) {
                string native = Path.Combine(Path.Combine("runtimes", rid), "native");
                var dirs = new[] {
                    Path.Combine(here, native),
                    Path.GetFullPath(Path.Combine(Path.Combine(Path.Combine(here, ".."), ".."), native)),
                    here,
                };
                foreach (string dir in dirs)
                    foreach (string f in files)
                        list.Add(new KeyValuePair<string, string>(Path.Combine(dir, f), null));
            }
            string[] names = IsWindows ? new[] { "libterminus-0.dll", "terminus.dll" }
                                       : new[] { "libterminus.so.0", "libterminus.0.dylib" };
            foreach (string n in names)
                list.Add(new KeyValuePair<string, string>(n, "system loader"));
            return list;
        }

        private static LibraryNotFoundException Load(List<string> tried)
        {
            Type nativeLibrary = Type.GetType("System.Runtime.InteropServices.NativeLibrary");
            bool found = false, explicitPath = false;
            foreach (var c in Candidates()) {
                explicitPath |= c.Value == "TERMINUS_LIBRARY";
                string what = c.Value == null ? c.Key : c.Key + " (" + c.Value + ")";
                bool isPath = c.Key.IndexOf('/') >= 0 || c.Key.IndexOf('\\') >= 0;
                if (isPath && !File.Exists(c.Key)) {
                    tried.Add(what + ": no such file");
                    continue;
                }
                string why = nativeLibrary != null ? LoadNet(nativeLibrary, c.Key) : LoadNative(c.Key);
                if (why == null) {
                    found = true;
                    break;
                }
                tried.Add(what + ": " + why);
            }
            if (!found && (nativeLibrary != null || explicitPath))
                return new LibraryNotFoundException(tried, null);
            if (nativeLibrary != null)
                InstallResolver(nativeLibrary);
            // The first call: a [DllImport] that still cannot bind fails here, once.
            try {
                FirstCall();
            } catch (DllNotFoundException e) {
                tried.Add("[DllImport(\"terminus\")]" + (found ? "" : " by name") + ": " + e.Message +
                          (IsWindows ? "" : " (mono: is Terminus.dll.config, the dllmap, next to Terminus.dll?)"));
                return new LibraryNotFoundException(tried, e);
            } catch (EntryPointNotFoundException e) {
                tried.Add("[DllImport(\"terminus\")]: not the terminus library: " + e.Message);
                return new LibraryNotFoundException(tried, e);
            }
            return null;
        }

        // Not inlined: mono binds a [DllImport] when it compiles its caller, which
        // must happen after the library was loaded by path.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static void FirstCall()
        {
            Native.terminus_version();
        }

        // .NET Core 3.0+: NativeLibrary.Load, through reflection.
        private static string LoadNet(Type nativeLibrary, string path)
        {
            MethodInfo load = nativeLibrary.GetMethod("Load", new[] { typeof(string) });
            if (load == null)
                return "NativeLibrary.Load(string) is missing";
            try {
                loaded = (IntPtr)load.Invoke(null, new object[] { path });
                return null;
            } catch (TargetInvocationException e) {
                return e.InnerException != null ? e.InnerException.Message : e.Message;
            }
        }

        private static void InstallResolver(Type nativeLibrary)
        {
            Type resolverType = Type.GetType("System.Runtime.InteropServices.DllImportResolver");
            MethodInfo set = resolverType == null ? null :
                nativeLibrary.GetMethod("SetDllImportResolver", new[] { typeof(Assembly), resolverType });
            MethodInfo resolve = typeof(Loader).GetMethod("Resolve", BindingFlags.NonPublic | BindingFlags.Static);
            if (set == null || resolve == null)
                return; // plain DllImport probing
            Delegate d = Delegate.CreateDelegate(resolverType, resolve);
            set.Invoke(null, new object[] { typeof(Loader).Assembly, d });
        }

        private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
        {
            return name == Native.Lib ? loaded : IntPtr.Zero;
        }

        // mono, .NET Framework: the OS loader itself. Returns null, or why it failed.
        private static string LoadNative(string path)
        {
            try {
                if (IsWindows) {
                    if (LoadLibraryW(path) != IntPtr.Zero)
                        return null;
                    return new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error()).Message;
                }
                dlerror();
                if (dlopen(path, RTLD_NOW) != IntPtr.Zero)
                    return null; // kept open for the life of the process
                IntPtr e = dlerror();
                return e == IntPtr.Zero ? "dlopen failed" : Marshal.PtrToStringAnsi(e);
            } catch (Exception e) {
                // no libdl.so.2 (not glibc): leave it to [DllImport]
                return "cannot load it by path here (" + e.GetType().Name + ": " + e.Message + ")";
            }
        }

        private const int RTLD_NOW = 2;
        [DllImport("libdl.so.2")] private static extern IntPtr dlopen(string file, int mode);
        [DllImport("libdl.so.2")] private static extern IntPtr dlerror();
        [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern IntPtr LoadLibraryW(string path);
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
        // process.h
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_process_list(ContextHandle ctx, out IntPtr list, out UIntPtr count);
        [DllImport(Lib, CallingConvention = C)] public static extern void terminus_process_list_free(IntPtr list);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_process_token(ContextHandle ctx, uint pid, [Out] byte[] buf, UIntPtr size);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_terminate_token(ContextHandle ctx, byte[] token, ref TerminateOptions opts, out Result result);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_terminate_name(ContextHandle ctx, byte[] image, ref NameFilter filter, ref TerminateOptions opts, out IntPtr pids, out IntPtr results, out UIntPtr count);
        [DllImport(Lib, CallingConvention = C)] public static extern void terminus_name_results_free(IntPtr array);
        // logoff.h
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_logoff(ContextHandle ctx, uint flags);
        // session.h
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_server_open(ContextHandle ctx, byte[] name, out ServerHandle server);
        [DllImport(Lib, CallingConvention = C)] public static extern void terminus_server_close(IntPtr server);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_session_list(ServerHandle server, out IntPtr list, out UIntPtr count);
        [DllImport(Lib, CallingConvention = C)] public static extern void terminus_session_list_free(IntPtr list);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_session_resolve(ServerHandle server, byte[] spec, out uint id);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_session_logoff(ServerHandle server, uint id, uint flags, uint timeoutMs);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_session_details_list(ServerHandle server, out IntPtr list, out UIntPtr count);
        [DllImport(Lib, CallingConvention = C)] public static extern void terminus_session_details_free(IntPtr list);
        [DllImport(Lib, CallingConvention = C)] public static extern long terminus_session_idle_ms(ref SessionDetails d);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_duration_parse(byte[] text, out ulong ms);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_idle_format(long idleMs, [Out] byte[] buf, UIntPtr size);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_session_message(ServerHandle server, uint id, byte[] title, byte[] text, uint timeoutMs);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_session_logoff_matching(ServerHandle server, ref NativeSessionFilter filter, ref NativeLogoffOptions opts, out IntPtr list, out UIntPtr count);
        [DllImport(Lib, CallingConvention = C)] public static extern void terminus_session_outcomes_free(IntPtr list);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_session_blockers(ServerHandle server, uint id, out IntPtr list, out UIntPtr count);
        [DllImport(Lib, CallingConvention = C)] public static extern void terminus_blockers_free(IntPtr list);
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
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_process_add_at(FakeHandle fake, uint pid, int behaviour, uint afterMs, uint exitCode, ulong startUs);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_process_set_parent(FakeHandle fake, uint pid, uint ppid);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_process_set_group(FakeHandle fake, uint pid, uint group);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_set_self_group(FakeHandle fake, uint group);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_process_set_name(FakeHandle fake, uint pid, byte[] name);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_process_set_owner(FakeHandle fake, uint pid, uint session, uint uid);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_process_set_unique(FakeHandle fake, uint pid, ulong unique);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_process_fork_on(FakeHandle fake, uint pid, uint steps, uint child, uint generations, int behaviour, uint afterMs, uint exitCode);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_set_boot_id(FakeHandle fake, byte[] boot);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_set_traits(FakeHandle fake, uint traits);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_set_latency(FakeHandle fake, byte[] primitive, uint us);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_server_add(FakeHandle fake, byte[] name, int reachable);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_session_add(FakeHandle fake, byte[] server, uint id, int state, byte[] name, byte[] user, int behaviour, uint afterMs);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_set_current_session(FakeHandle fake, uint id);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_session_exists(FakeHandle fake, byte[] server, uint id);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_session_set_details(FakeHandle fake, byte[] server, uint id, ref SessionDetails details);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_session_end_after(FakeHandle fake, byte[] server, uint id, uint afterMs);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_session_set_message(FakeHandle fake, byte[] server, uint id, int code);
        [DllImport(Lib, CallingConvention = C)] public static extern uint terminus_fake_session_messages(FakeHandle fake, byte[] server, uint id, [Out] byte[] last, UIntPtr size);
        [DllImport(Lib, CallingConvention = C)] public static extern int terminus_fake_blocker_add(FakeHandle fake, byte[] server, ref Blocker blocker);
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
