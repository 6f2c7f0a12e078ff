# TAP helpers for integration tests. Source it; every check prints "ok N - name" or "not ok N - name",
# and done_testing prints the plan and sets the exit status.
#
#   check "name" command args...      passes when the command succeeds (its output goes to the log)
#   check_output "name" "expected" command...   passes when stdout contains expected
#   wait_until TIMEOUT_S command...   polls a condition with a deadline, never a fixed sleep
#   diag "text"                        a comment line

TAP_N=0
TAP_FAILED=0
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${BERTH_BUILD:=$TOP/build}"
export BERTH_BUILD

diag() { printf '# %s\n' "$*"; }

tap_result() { # status name
        TAP_N=$((TAP_N + 1))
        if [ "$1" -eq 0 ]; then
                printf 'ok %d - %s\n' "$TAP_N" "$2"
        else
                printf 'not ok %d - %s\n' "$TAP_N" "$2"
                TAP_FAILED=$((TAP_FAILED + 1))
        fi
}

check() {
        local name=$1 out rc
        shift
        out=$("$@" 2>&1) && rc=0 || rc=$?
        tap_result "$rc" "$name"
        if [ "$rc" -ne 0 ]; then
                diag "command: $*"
                diag "exit status $rc"
                printf '%s\n' "$out" | sed 's/^/#   /' | tail -40
        fi
        return 0
}

check_fails() {
        local name=$1 out rc
        shift
        out=$("$@" 2>&1) && rc=0 || rc=$?
        if [ "$rc" -eq 0 ]; then
                tap_result 1 "$name"
                diag "command unexpectedly succeeded: $*"
                printf '%s\n' "$out" | sed 's/^/#   /' | tail -20
        else
                tap_result 0 "$name"
        fi
}

check_output() {
        local name=$1 expected=$2 out rc
        shift 2
        out=$("$@" 2>&1) && rc=0 || rc=$?
        if [[ "$out" == *"$expected"* ]]; then
                tap_result 0 "$name"
        else
                tap_result 1 "$name"
                diag "command: $*  (exit $rc)"
                diag "expected to contain: $expected"
                printf '%s\n' "$out" | sed 's/^/#   /' | tail -40
        fi
}

# wait_until SECONDS command...: true once the command succeeds, false after the deadline.
wait_until() {
        local deadline=$((SECONDS + $1))
        shift
        until "$@" >/dev/null 2>&1; do
                [ "$SECONDS" -ge "$deadline" ] && return 1
                sleep 0.05
        done
}

skip_all() {
        printf '1..0 # SKIP %s\n' "$*"
        exit 0
}

done_testing() {
        printf '1..%d\n' "$TAP_N"
        [ "$TAP_FAILED" -eq 0 ]
}

require_root() {
        [ "$(id -u)" -eq 0 ] || skip_all "needs root"
}
