#!/bin/bash
# Bounded libFuzzer runs (about 25 s) of the unit-file parser and the .container conversion, and of
# the volume option parsers, so that `make check` catches crashes, leaks and undefined behaviour on inputs nobody wrote a test for.
# The run ends successfully at its time limit however loaded the machine is (it shares 2 cores with
# the other tests); only a crash, a leak, UB or a single input hanging for a minute fails it. A planted
# heap overflow checks that such a failure really fails the test. Longer runs: tests/fuzz/run.sh SECONDS.
source "$(dirname "$0")/../lib/tap.sh"
command -v clang >/dev/null || skip_all "clang not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
        clang -x c -fsanitize=fuzzer -o "$tmp/probe" - 2>/dev/null ||
        skip_all "clang cannot build fuzzers (libclang-rt missing)"

check "fuzz-unitfile: ${BERTH_FUZZ_SECONDS:-15} s without a crash" "$TOP/tests/fuzz/run.sh" "${BERTH_FUZZ_SECONDS:-15}" fuzz-unitfile
check "fuzz-volume-spec: ${BERTH_FUZZ_SECONDS:-10} s without a crash" "$TOP/tests/fuzz/run.sh" "${BERTH_FUZZ_SECONDS:-10}" fuzz-volume-spec

# Writes one byte past a one-byte allocation for any input of two bytes or more.
cat >"$tmp/fuzz-planted.c" <<'EOC'
#include <stdint.h>
#include <stdlib.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        volatile char *p = malloc(1);
        if (size >= 2)
                p[size] = (char) data[0];
        free((void *) p);
        return 0;
}
EOC
mkdir -p "$tmp/out"
check_fails "a planted heap overflow fails the run" env FUZZ_OUT="$tmp/out" "$TOP/tests/fuzz/run.sh" 30 "$tmp/fuzz-planted.c"
check "... and leaves the crashing input" compgen -G "$tmp/out/crash-*"
done_testing
