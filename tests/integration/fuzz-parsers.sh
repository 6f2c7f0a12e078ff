#!/bin/bash
# Bounded libFuzzer runs (about 10 s each) of the parsers of files berth is handed by others: Dockerfiles
# (parse, dump, expansion of every word), compose files (the whole loader of `berth compose config`),
# the runtime's config.json (oci_config_load of `berth-runtime create` for other engines) and
# --publish values. Only a crash, a leak, UB or an input hanging fails a run (see fuzz-unitfile.sh
# for the planted failure that shows such a run really fails).
#
# berthd's method arguments (issue 13) have no libFuzzer target: sd-bus checks each call against the
# method's signature before berthd sees it, and the values berthd then parses (image references, names,
# publish and volume specs, options) go through the lib/spec parsers fuzzed here, in fuzz-unitfile.sh
# and in fuzz-inputs.sh. The daemon itself is fuzzed in dbus-api.sh: 400 calls of random methods with
# random arguments as root and as nobody against the running berthd (dbus-client.py fuzz), plus wrong
# types, absurd values, disconnects mid-call and a flood.
source "$(dirname "$0")/../lib/tap.sh"
command -v clang >/dev/null || skip_all "clang not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
        clang -x c -fsanitize=fuzzer -o "$tmp/probe" - 2>/dev/null ||
        skip_all "clang cannot build fuzzers (libclang-rt missing)"

for t in fuzz-dockerfile fuzz-compose fuzz-oci-config fuzz-publish-spec; do
        check "$t: ${BERTH_FUZZ_SECONDS:-10} s without a crash" "$TOP/tests/fuzz/run.sh" "${BERTH_FUZZ_SECONDS:-10}" "$t"
done
# (only those of this run count: a crashed run of another time may have left its own)
check "fuzz-compose and fuzz-oci-config left no scratch directory" bash -c \
        '[ -z "$(find /tmp -maxdepth 1 -newer "$1" "(" -name "berth-fuzz-compose.*" -o -name "berth-fuzz-oci.*" ")")" ]' \
        - "$tmp"
done_testing
