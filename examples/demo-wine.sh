#!/bin/bash
# examples/demo-wine.sh: terminus on Windows for real, under Wine: the second
# half of `./demo --win`. Needs the mingw-w64 cross build (build/win) and runs
# the .exe programs through cross/wine64-run, in terminus's Wine prefix.
#
#   examples/demo-wine.sh [BUILD_DIR]      (default build/win)
#
# 1. listener.exe (terminus_listen: a hidden window that hears the request)
#    is asked to leave by tkill.exe: it saves its data and exits;
# 2. Wine's own notepad.exe, which knows nothing of terminus, is closed by
#    tkill.exe's close chain: WM_CLOSE to its window, as taskkill without /F;
# 3. sessions.exe, logoff.exe /v and logoff.exe /?: Wine stubs most of
#    wtsapi32, and terminus says so.
# Every process it starts is ended on exit. Exit code 0 when every step
# showed what it should, 1 otherwise.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$root/build/win}" && pwd)
bin=$build/examples
wrun=$root/cross/wine64-run
for p in listener tkill sessions logoff; do
    [[ -f $bin/$p.exe ]] || { echo "demo-wine: $bin/$p.exe is not built" >&2; exit 1; }
done
# the DLL is found through WINEPATH, as meson does for its tests
export WINEPATH="Z:${build//\//\\}\\lib"
export WINEDEBUG=${WINEDEBUG:--all}
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
export WINEPREFIX=${TERMINUS_WINEPREFIX:-${XDG_CACHE_HOME:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache}/terminus/wineprefix}

winpids=()   # Windows pids to end with tkill.exe /F if a step failed midway
demo_cleanup_more() {
    local p
    for p in "${winpids[@]}"; do
        "$wrun" "$bin/tkill.exe" /F "$p" >/dev/null 2>&1 || true
    done
}
# shellcheck source=examples/demo-common.sh
. "$root/examples/demo-common.sh"
demo_start terminus-demo-wine

# run PROGRAM.exe ARGS...: print it as typed, run it under Wine, indent its
# output; sets $out and $rc.
run() {
    printf '   C:\\> %s\n' "${1##*/}${2:+ ${*:2}}"
    rc=0
    out=$("$wrun" "$@" 2>&1 | tr -d '\r') || rc=$?
    [[ -n $out ]] && printf '%s\n' "$out" | indent
    return 0
}
# The Windows pids of the running notepad.exe processes (wmic's output is UTF-16).
notepads() {
    wine wmic process get name,processid 2>/dev/null | tr -d '\0\r' |
        awk 'tolower($1) == "notepad.exe" { print $2 }' | sort
}

"$wrun" --init || fail "cannot create the Wine prefix $WINEPREFIX"

# --- 1. a listener asked to leave --------------------------------------------
step "Wine 1/3: listener.exe listens (a hidden window) and is asked to leave: it saves its data and exits (tkill.exe /grace:2000)"
data_win="Z:${tmp//\//\\}\\data.txt"
"$wrun" "$bin/listener.exe" "$data_win" 0 >"$tmp/listener.out" 2>&1 &
lpid=$!
wait_for "$tmp/listener.out" '^ready ' 15 || fail "listener.exe did not start: $(cat "$tmp/listener.out")"
wpid=$(awk '/^ready / { print $2; exit }' "$tmp/listener.out" | tr -d '\r')
winpids+=("$wpid")
echo "   listener.exe started: ready $wpid (a Windows pid; it counts edits it has not saved)"
sleep 0.5
run "$bin/tkill.exe" /grace:2000 "$wpid"
[[ $rc -eq 0 && $out == *"left when asked"* ]] || fail "tkill.exe did not report that listener.exe left (exit $rc)"
lrc=0
wait "$lpid" || lrc=$?
echo "   listener.exe said: $(tail -n +2 "$tmp/listener.out" | tr -d '\r')"
echo "   its exit code: $lrc; its saved data file says: $(tr -d '\r' <"$tmp/data.txt" 2>/dev/null)"
grep -q '^saved [0-9]* edits (asked to leave)' "$tmp/data.txt" || fail "listener.exe's data was not saved"
[[ $lrc -eq 0 ]] || fail "listener.exe exited with $lrc"
winpids=()   # gone: its pid may be someone else's now

# --- 2. one of Wine's own programs, closed by WM_CLOSE ---------------------
step "Wine 2/3: notepad.exe, which knows nothing of terminus, is closed by WM_CLOSE (the close chain: tkill.exe /grace:1000, as taskkill without /F)"
before=$(notepads)
"$wrun" notepad.exe >/dev/null 2>&1 &
npid=$!
new=
for ((i = 0; i < 50; i++)); do
    new=$(comm -13 <(echo "$before") <(notepads) | head -n1)
    [[ -n $new ]] && break
    sleep 0.2
done
[[ -n $new ]] || fail "notepad.exe did not start"
winpids+=("$new")
echo "   notepad.exe started (Windows pid $new, found with wmic)"
sleep 0.5
run "$bin/tkill.exe" /grace:1000 "$new"
[[ $rc -eq 0 && $out == *"[ended by: close]"* ]] || fail "tkill.exe did not report that notepad.exe left by WM_CLOSE (exit $rc)"
nrc=0
wait "$npid" || nrc=$?
[[ $nrc -eq 0 ]] || fail "notepad.exe's exit code is $nrc, not 0 (it was killed, not closed)"
echo "   notepad.exe's exit code: $nrc (it closed itself)"
winpids=()

# --- 3. sessions under Wine -----------------------------------------------------
step "Wine 3/3: sessions.exe: Wine's WTSEnumerateSessionsW is a stub (it lists not even session 0), and terminus says so"
run "$bin/sessions.exe"
[[ $rc -eq 1 && $out == *UNSUPPORTED* ]] || fail "sessions.exe did not report TERMINUS_E_UNSUPPORTED (exit $rc)"
echo "   exit code $rc"

step "Wine 3/3: logoff.exe /v: Wine does not implement WTSLogoffSession, and the error says so"
run "$bin/logoff.exe" /v
[[ $rc -eq 1 && $out == *TERMINUS_E_UNSUPPORTED* ]] || fail "logoff.exe /v did not give TERMINUS_E_UNSUPPORTED (exit $rc)"
echo "   exit code $rc"

step "Wine 3/3: logoff.exe /?: the usage of the Windows command, exit code 0"
run "$bin/logoff.exe" '/?'
[[ $rc -eq 0 && $out == *LOGOFF* ]] || fail "logoff.exe /? did not print its usage (exit $rc)"
