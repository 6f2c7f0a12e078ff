#!/bin/bash
# Bounded libFuzzer runs (about 10 s each) of the parsers of untrusted image and registry input: image
# configs (from a registry or an archive), registries.conf, registry manifests and indexes (OCI and
# docker schema 2, the pull's own checks) and `berth load` of docker archives and OCI layouts (their
# manifest.json or index.json next to valid blobs, or the archive stream itself, into a scratch
# store), with inputs up to 1 MiB so that a size blowup shows up as a slow input. Only a crash, a leak,
# UB or an input hanging fails a run (see fuzz-unitfile.sh for the planted failure that shows such a
# run really fails).
source "$(dirname "$0")/../lib/tap.sh"
command -v clang >/dev/null || skip_all "clang not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
        clang -x c -fsanitize=fuzzer -o "$tmp/probe" - 2>/dev/null ||
        skip_all "clang cannot build fuzzers (libclang-rt missing)"

for t in fuzz-image-config fuzz-registries-conf fuzz-image-manifest fuzz-image-load; do
        check "$t: ${BERTH_FUZZ_SECONDS:-10} s without a crash" "$TOP/tests/fuzz/run.sh" "${BERTH_FUZZ_SECONDS:-10}" "$t"
done
# The scratch store of fuzz-image-load goes with the run, and nothing it loaded is left behind.
check "fuzz-image-load left no scratch store" bash -c \
        '[ -z "$(find /tmp -maxdepth 1 -newer "$1" -name "berth-fuzz-load.*")" ]' - "$tmp"
done_testing
