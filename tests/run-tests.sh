#!/bin/bash
# Runs every test: the C unit tests (built with ASan/UBSan) and the integration scripts.
# Each test prints TAP; this prints each test's lines, then "N passed, N failed" and exits non-zero
# when anything failed. Usage: tests/run-tests.sh [PATTERN]   (runs tests whose name contains PATTERN)
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
: "${BERTH_BUILD:=$TOP/build/asan}"
export BERTH_BUILD
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pattern=${1:-}
timeout_s=${BERTH_TEST_TIMEOUT:-600}

passed=0 failed=0 files_failed=()
run_one() { # name command...
        local name=$1 out rc n_ok n_notok
        shift
        [ -n "$pattern" ] && [[ "$name" != *"$pattern"* ]] && return
        echo "# --- $name"
        local start=$SECONDS
        out=$(timeout --kill-after=10 "$timeout_s" "$@" 2>&1) && rc=0 || rc=$?
        printf '%s\n' "$out"
        n_ok=$(grep -cE '^ok ' <<<"$out")
        n_notok=$(grep -cE '^not ok ' <<<"$out")
        if [ "$rc" -ne 0 ] && [ "$n_notok" -eq 0 ]; then
                n_notok=1 # crashed or timed out without reporting
                echo "not ok - $name exited with status $rc"
        fi
        passed=$((passed + n_ok))
        failed=$((failed + n_notok))
        [ "$n_notok" -gt 0 ] && files_failed+=("$name")
        echo "# $name: $n_ok passed, $n_notok failed ($((SECONDS - start)) s)"
}

for t in "$BERTH_BUILD"/unit-tests/test-*; do
        [ -x "$t" ] && run_one "unit/${t##*/}" "$t"
done
for t in tests/integration/*.sh; do
        [ -e "$t" ] && run_one "integration/$(basename "$t" .sh)" bash "$t"
done

echo
[ ${#files_failed[@]} -gt 0 ] && echo "# failed: ${files_failed[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
