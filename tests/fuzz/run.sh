#!/bin/bash
# Builds the libFuzzer targets in tests/fuzz/fuzz-*.c with clang (ASan + UBSan + fuzzer) and runs each
# for a bounded time. Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]   (default 60 s, every target)
# A TARGET is a name (fuzz-unitfile) or a path to a .c file (the planted crash of fuzz-unitfile.sh).
# Crashes are written to $FUZZ_OUT/crash-* (default build/fuzz) and make the script fail.
# Only a crash, a leak, undefined behaviour or one input running for more than FUZZ_INPUT_TIMEOUT
# seconds (default 20) fails it: the time limit ends a run successfully however slow the machine is.
# Inputs grow up to FUZZ_MAX_LEN bytes (default 1 MiB), so that a parser quadratic in the size of its
# input shows up as a slow input rather than hiding below a small cap.
# A target names the library sources and pkg-config libraries it needs beyond the common ones in
# comment lines "fuzz-sources: lib/x.c ..." and "fuzz-libs: jansson ...".
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
seconds=${1:-60}
shift || true
out=${FUZZ_OUT:-$TOP/build/fuzz}
# The compiled library, shared by every run (also one with its own FUZZ_OUT).
obj=${FUZZ_OBJ:-$TOP/build/fuzz/obj}
mkdir -p "$out"
CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null || { echo "fuzz: $CC not found" >&2; exit 77; }

# The parsers live in lib/spec, which uses only lib/basic (see the layers in docs/ARCHITECTURE.md):
# every target links both layers whole, with the libraries they use; a target names what it needs of
# the layers above in its fuzz-sources line (a folder stands for its .c files), and sources to leave
# out of those in a line "fuzz-exclude: runtime/main.c". The library is compiled once into $obj for
# all targets (coverage-instrumented, without libFuzzer's main), so a run of several targets compiles
# it once and a later run only what changed.
compile_flags=(-std=gnu11 -g -O1 -D_GNU_SOURCE -Ilib/basic -Ilib/spec -Ilib/store -Ilib/sys -fno-omit-frame-pointer
        -fno-sanitize-recover=undefined -DBERTH_LIBEXECDIR='"/usr/libexec/berth"' -DBERTH_BINDIR='"/usr/bin"'
        -DBERTH_VERSION='"fuzz"')
sanitizers=address,undefined
lib_srcs=(lib/basic/*.c lib/spec/*.c)
common_libs="yaml-0.1 libsystemd jansson libcrypto"

# fuzz_line SRC KEY: the words of the comment line " * KEY: ..." of a target.
fuzz_line() { sed -n "s/^ \\* $2: \\([^*]*\\).*/\\1/p" "$1"; }

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
        extra_libs=$(fuzz_line "$src" fuzz-libs)
        exclude=" $(fuzz_line "$src" fuzz-exclude) "
        srcs=()
        for s in "${lib_srcs[@]}" $(fuzz_line "$src" fuzz-sources); do
                if [ -d "$s" ]; then
                        for f in "$s"/*.c; do
                                [[ $exclude == *" $f "* ]] || srcs+=("$f")
                        done
                elif [[ $exclude != *" $s "* ]]; then
                        srcs+=("$s")
                fi
        done
        # shellcheck disable=SC2086 # word lists
        pkg_flags=$(pkg-config --cflags $common_libs $extra_libs)
        FUZZ_CC=$CC FUZZ_CFLAGS="$(printf '%q ' "${compile_flags[@]}")-fsanitize=fuzzer-no-link,$sanitizers $pkg_flags" \
                make -s -j"${FUZZ_JOBS:-2}" -f tests/fuzz/objects.mk OBJ="$obj" SRCS="${srcs[*]}"
        objs=("${srcs[@]/#/$obj/}")
        # shellcheck disable=SC2086 # word lists
        "$CC" "${compile_flags[@]}" -fsanitize=fuzzer,$sanitizers -o "$out/$t" "$src" "${objs[@]/%.c/.o}" \
                $(pkg-config --cflags --libs $common_libs $extra_libs) -lm
        corpus=$out/corpus-$t
        mkdir -p "$corpus"
        seeds=()
        # Seeds: the committed ones (seeds-NAME: valid inputs to start from; corpus/TARGET: a small
        # minimised corpus, which tests/integration/option-verdicts.sh also replays).
        for d in "tests/fuzz/seeds-${t#fuzz-}" "tests/fuzz/corpus/$t"; do
                [ -d "$d" ] && seeds+=("$d")
        done
        echo "fuzz: running $t for ${seconds}s"
        if ! (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "./$t" -max_total_time="$seconds" \
                -max_len="${FUZZ_MAX_LEN:-1048576}" -timeout="${FUZZ_INPUT_TIMEOUT:-20}" -artifact_prefix="$out/" "$corpus" "${seeds[@]/#/$TOP/}" 2>"$out/$t.log"); then
                echo "fuzz: $t FAILED, see $out/$t.log" >&2
                tail -40 "$out/$t.log" >&2
                status=1
        else
                tail -1 "$out/$t.log"
        fi
done
exit $status
