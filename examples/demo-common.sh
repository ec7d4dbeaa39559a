# shellcheck shell=bash
# examples/demo-common.sh: what demo-linux.sh and demo-wine.sh share.
# Sourced, not run.
#
#   demo_start NAME   make $tmp and end, on exit, every background job of the
#                     shell (then demo_cleanup_more, if the script defines it)
#   step TEXT         print a step's one-line heading
#   fail TEXT         say what went wrong and exit 1
#   indent            copy stdin to stdout, indented as a command's output
#   wait_for FILE PATTERN SECONDS   until FILE has a line matching PATTERN

demo_cleanup() {
    local p
    if declare -F demo_cleanup_more >/dev/null; then
        demo_cleanup_more
    fi
    # only what is still a job of this shell: a pid already reaped by a
    # wait may belong to another process by now
    for p in $(jobs -p); do
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$tmp"
}

demo_start() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    trap demo_cleanup EXIT
    trap 'exit 130' INT TERM
}

step() { printf '\n=== %s\n' "$*"; }
fail() { echo "demo: FAILED: $*" >&2; exit 1; }
indent() { sed 's/^/     /'; }

wait_for() {
    local i
    for ((i = 0; i < $3 * 20; i++)); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
