#!/bin/bash
# Bounded libFuzzer runs (about 10 s each) of the parsers of untrusted image and registry input: image
# configs (from a registry or an archive) and registries.conf, with inputs up to 1 MiB so that a size
# blowup shows up as a slow input. Only a crash, a leak, UB or an input hanging fails a run (see
# fuzz-unitfile.sh for the planted failure that shows such a run really fails).
source "$(dirname "$0")/../lib/tap.sh"
command -v clang >/dev/null || skip_all "clang not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
        clang -x c -fsanitize=fuzzer -o "$tmp/probe" - 2>/dev/null ||
        skip_all "clang cannot build fuzzers (libclang-rt missing)"

for t in fuzz-image-config fuzz-registries-conf; do
        check "$t: ${BERTH_FUZZ_SECONDS:-10} s without a crash" "$TOP/tests/fuzz/run.sh" "${BERTH_FUZZ_SECONDS:-10}" "$t"
done
done_testing
