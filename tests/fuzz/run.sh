#!/bin/bash
# Builds the libFuzzer targets in tests/fuzz/fuzz-*.c with clang (ASan + UBSan + fuzzer) and runs each
# for a bounded time. Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]   (default 60 s, every target)
# A TARGET is a name (fuzz-unitfile) or a path to a .c file (the planted crash of fuzz-unitfile.sh).
# Crashes are written to $FUZZ_OUT/crash-* (default build/fuzz) and make the script fail.
# Only a crash, a leak, undefined behaviour or one input running for more than a minute fails it:
# the time limit ends a run successfully however slow the machine is.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
seconds=${1:-60}
shift || true
out=${FUZZ_OUT:-$TOP/build/fuzz}
mkdir -p "$out"
CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null || { echo "fuzz: $CC not found" >&2; exit 77; }

# The library sources the targets need: everything in lib/ that needs no external library headers
# beyond libc. Sources that do not compile standalone are left out (they are not the fuzzed code).
flags=(-std=gnu11 -g -O1 -D_GNU_SOURCE -Ilib -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=undefined -DBERTH_LIBEXECDIR='"/usr/libexec/berth"' -DBERTH_BINDIR='"/usr/bin"'
        -DBERTH_VERSION='"fuzz"')
lib_srcs=(lib/unitfile.c lib/unit-*.c lib/strv.c lib/words.c lib/fs-util.c lib/log.c lib/paths.c
        lib/run-options.c lib/container-spec.c lib/volume-spec.c lib/container-network.c lib/publish-spec.c
        lib/network-address.c lib/object-name.c)

targets=("$@")
[ ${#targets[@]} -gt 0 ] || for t in tests/fuzz/fuzz-*.c; do targets+=("$(basename "$t" .c)"); done

status=0
for target in "${targets[@]}"; do
        src=tests/fuzz/$target.c
        t=$target
        if [[ $target == *.c ]]; then
                src=$target
                t=$(basename "$target" .c)
        fi
        "$CC" "${flags[@]}" -o "$out/$t" "$src" "${lib_srcs[@]}"
        corpus=$out/corpus-$t
        mkdir -p "$corpus"
        seeds=()
        [ -d "tests/fuzz/corpus-${t#fuzz-}" ] && seeds+=("tests/fuzz/corpus-${t#fuzz-}")
        echo "fuzz: running $t for ${seconds}s"
        if ! (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "./$t" -max_total_time="$seconds" -max_len=4096 \
                -timeout=60 -artifact_prefix="$out/" "$corpus" "${seeds[@]/#/$TOP/}" 2>"$out/$t.log"); then
                echo "fuzz: $t FAILED, see $out/$t.log" >&2
                tail -40 "$out/$t.log" >&2
                status=1
        else
                tail -1 "$out/$t.log"
        fi
done
exit $status
