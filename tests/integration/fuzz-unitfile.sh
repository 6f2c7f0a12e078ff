#!/bin/bash
# A bounded libFuzzer run (about 20 s) of the unit-file parser and the .container conversion, so that
# `make check` catches crashes, leaks and undefined behaviour on inputs nobody wrote a test for.
# Longer runs: tests/fuzz/run.sh SECONDS.
source "$(dirname "$0")/../lib/tap.sh"
command -v clang >/dev/null || skip_all "clang not installed"
probe=$(mktemp)
trap 'rm -f "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
        clang -x c -fsanitize=fuzzer -o "$probe" - 2>/dev/null ||
        skip_all "clang cannot build fuzzers (libclang-rt missing)"
check "fuzz-unitfile: ${BERTH_FUZZ_SECONDS:-15} s without a crash" "$TOP/tests/fuzz/run.sh" "${BERTH_FUZZ_SECONDS:-15}" fuzz-unitfile
done_testing
