#!/bin/bash
# examples/demo-linux.sh: terminus on Linux for real, the second half of
# ./demo. Needs a native build with the example programs.
#
#   examples/demo-linux.sh [BUILD_DIR]      (default build/native)
#
# 1. a program that listens (examples/listener) is asked to leave by tkill:
#    it saves its data and exits;
# 2. a stubborn process that ignores SIGTERM and knows nothing of terminus is
#    killed by tkill once the grace period is over;
# 3. a tree (a shell and three children, one ignoring SIGTERM) named by its
#    identity token (tkill /ID, the pidfile done right) is ended whole by
#    tkill /T TOKEN; the same token afterwards names nothing;
# 4. sessions: a real logind on the system bus is only listed (read-only);
#    without one, a logind mock on a private bus (dbus-daemon + python3-dbusmock
#    with tests/integration/posix/logind_template.py) gets three sessions, and
#    `sessions`, `logoff NAME /v`, `sessions`, `logoff 999` run against it.
# Every process it starts is ended on exit. Exit code 0 when every step
# showed what it should, 1 otherwise.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build/native}
bin=$build/examples
template=$root/tests/integration/posix/logind_template.py
for p in listener tkill sessions logoff; do
    [[ -x $bin/$p ]] || { echo "demo-linux: $bin/$p is not built" >&2; exit 1; }
done

# shellcheck source=examples/demo-common.sh
. "$root/examples/demo-common.sh"
demo_start terminus-demo

# run CMD...: print it as typed, run it, indent its output; sets $out, $rc.
run() {
    local shown=("$@")
    shown[0]=${shown[0]##*/}
    printf '   $ %s\n' "${shown[*]}"
    rc=0
    out=$("$@" 2>&1) || rc=$?
    [[ -n $out ]] && printf '%s\n' "$out" | indent
    return 0
}

# --- 1. a listener asked to leave --------------------------------------------
step "Linux 1/4: a program that listens is asked to leave: it saves its data and exits (tkill /grace:2000)"
"$bin/listener" "$tmp/data.txt" 0 >"$tmp/listener.out" 2>&1 &
lpid=$!
wait_for "$tmp/listener.out" '^ready ' 5 || fail "the listener did not start: $(cat "$tmp/listener.out")"
echo "   listener started: $(head -n1 "$tmp/listener.out") (it counts edits it has not saved)"
sleep 0.5
run "$bin/tkill" /grace:2000 "$lpid"
[[ $rc -eq 0 && $out == *"left when asked"* ]] || fail "tkill did not report that the listener left (exit $rc)"
lrc=0
wait "$lpid" || lrc=$?
echo "   the listener said: $(tail -n +2 "$tmp/listener.out")"
echo "   its exit status: $lrc; its saved data file says: $(cat "$tmp/data.txt" 2>/dev/null)"
grep -q '^saved [0-9]* edits (asked to leave)$' "$tmp/data.txt" || fail "the listener's data was not saved"
[[ $lrc -eq 0 ]] || fail "the listener exited with $lrc"

# --- 2. a stubborn process forced after grace --------------------------------
step "Linux 2/4: a process that ignores SIGTERM and knows nothing of terminus is killed after the grace period (tkill /grace:1000)"
# An ignored disposition survives exec: sleep ignores SIGTERM too.
bash -c 'trap "" TERM; exec sleep 600' &
spid=$!
for ((i = 0; i < 100; i++)); do
    [[ $(cat "/proc/$spid/comm" 2>/dev/null) == sleep ]] && break
    sleep 0.02
done
[[ $(cat "/proc/$spid/comm" 2>/dev/null) == sleep ]] || fail "the stubborn process did not start"
echo "   started: bash -c 'trap \"\" TERM; exec sleep 600' (pid $spid)"
# (bash would report "Killed" for its job: its stderr is put aside meanwhile)
src=0
{
    run "$bin/tkill" /grace:1000 "$spid"
    wait "$spid" || src=$?
} 2>/dev/null
[[ $rc -eq 0 && $out =~ killed\ after\ ([0-9]+) ]] || fail "tkill did not report that it killed the process (exit $rc)"
ms=${BASH_REMATCH[1]}
((ms >= 1000 && ms < 2000)) || fail "killed after $ms ms, not about 1000"
echo "   its exit status: $src (128 + 9, SIGKILL); it had ignored the request for ${ms} ms"
[[ $src -eq 137 ]] || fail "the stubborn process ended with $src, not by SIGKILL"

# --- 3. a whole tree, named by its identity token -----------------------------
step "Linux 3/4: a tree (a shell and three children, one ignoring SIGTERM), named by its identity token, is ended whole (tkill /ID, then tkill /T TOKEN)"
bash -c 'sleep 600 & sleep 600 & (trap "" TERM; exec sleep 600) & wait' 2>/dev/null &
tpid=$!
for ((i = 0; i < 100; i++)); do
    [[ $(pgrep -c -P "$tpid" 2>/dev/null || true) -ge 3 ]] && break
    sleep 0.02
done
kids=$(pgrep -P "$tpid" | xargs)
[[ $(wc -w <<<"$kids") -eq 3 ]] || fail "the tree did not start (children: $kids)"
echo "   started: a shell (pid $tpid) with three sleeps (pids $kids)"
run "$bin/tkill" /ID "$tpid"
token=$out
[[ $rc -eq 0 && $token == t1.* ]] || fail "tkill /ID did not print a token (exit $rc)"
echo "   (a pidfile would hold this token: it names this process only, never a later one with its pid)"
trc=0
t0=$(date +%s%N)
{
    run "$bin/tkill" /T /grace:1000 "$token"
    took=$((($(date +%s%N) - t0) / 1000000))
    wait "$tpid" || trc=$?
} 2>/dev/null
[[ $rc -eq 0 && $out == *"[tree: 4 processes]"* ]] || fail "tkill /T did not end the tree of 4 (exit $rc)"
for k in $kids; do
    # gone, or a zombie that its new parent has not reaped yet
    state=$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$k/stat" 2>/dev/null || true)
    [[ -z $state || $state == Z ]] || fail "pid $k of the tree still runs (state $state)"
done
((took >= 1000)) || fail "tkill /T took $took ms: the sleep that ignores SIGTERM cannot have waited out the grace"
echo "   every process of the tree is gone: the shell and two sleeps at SIGTERM (the shell's status: $trc),"
echo "   the sleep that ignored it killed once the grace was over (tkill took $took ms)"
run "$bin/tkill" "$token"
[[ $rc -eq 1 ]] || fail "a token of a process that has ended was not refused (exit $rc)"
echo "   the token of an ended process names nothing: exit code 1, nothing signalled"

# --- 3. sessions --------------------------------------------------------------
real_logind() {
    command -v dbus-send >/dev/null 2>&1 &&
        timeout 5 dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner string:org.freedesktop.login1 2>/dev/null |
        grep -q 'boolean true'
}

if real_logind; then
    step "Linux 4/4: the sessions of this machine's logind (read-only: nothing is logged off)"
    run "$bin/sessions"
    [[ $rc -eq 0 ]] || fail "sessions failed (exit $rc)"
    exit 0
fi

step "Linux 4/4: no logind on the system bus: a logind mock on a private bus (dbus-daemon + python3-dbusmock)"
[[ -x /usr/bin/dbus-daemon ]] || fail "dbus-daemon is missing (apt-get install dbus)"
/usr/bin/python3 -c 'import dbusmock' 2>/dev/null || fail "python3-dbusmock is missing (apt-get install python3-dbusmock)"
cat >"$tmp/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$tmp/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
/usr/bin/dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile >/dev/null 2>&1 &
for ((i = 0; i < 250; i++)); do [[ -S $tmp/bus ]] && break; sleep 0.02; done
[[ -S $tmp/bus ]] || fail "the private dbus-daemon did not start"
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$tmp/bus
/usr/bin/python3 -m dbusmock --system --template "$template" >"$tmp/mock.log" 2>&1 &
owned() {
    dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.login1 2>/dev/null | grep -q 'boolean true'
}
for ((i = 0; i < 200; i++)); do owned && break; sleep 0.05; done
owned || fail "the logind mock did not start: $(cat "$tmp/mock.log")"
# AddSession(s id, s seat, u uid, s user, b active), the stock template's
add_session() {
    dbus-send --system --print-reply=literal --dest=org.freedesktop.login1 /org/freedesktop/login1 \
        org.freedesktop.DBus.Mock.AddSession "string:$1" string:seat0 "uint32:$2" "string:$3" "boolean:$4" \
        >/dev/null || fail "AddSession $1 failed"
}
add_session 3 1000 alice true
add_session c2 1001 bob false
add_session 7 1002 carol false
echo "   bus $DBUS_SYSTEM_BUS_ADDRESS; sessions 3 (alice), c2 (bob), 7 (carol) added through the mock's AddSession"

step "Linux 4/4: sessions lists them, as Windows 'query session' does"
run "$bin/sessions"
[[ $rc -eq 0 && $out == *alice* && $out == *bob* && $out == *carol* ]] || fail "sessions did not list the three sessions (exit $rc)"

step "Linux 4/4: logoff C2 /v logs off bob's session, found by its name whatever the case"
run "$bin/logoff" C2 /v
[[ $rc -eq 0 ]] || fail "logoff C2 failed (exit $rc)"

step "Linux 4/4: sessions again: c2 is gone"
run "$bin/sessions"
[[ $rc -eq 0 && $out == *alice* && $out != *bob* ]] || fail "c2 is still listed (exit $rc)"

step "Linux 4/4: logoff 999: no such session, a clear error and exit code 1"
run "$bin/logoff" 999
[[ $rc -eq 1 && $out == *999* ]] || fail "logoff 999 did not fail as it should (exit $rc)"
echo "   exit code $rc"
