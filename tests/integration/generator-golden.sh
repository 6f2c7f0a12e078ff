#!/bin/bash
# Golden tests for berth-generator. Each tests/generator/cases/CASE/ holds
#   input/            definition files, drop-in dirs, symlinks (the search path, BERTH_UNIT_DIRS)
#   expected/         the output tree: units and symlinks, byte for byte
#   expected.stderr   what the generator logs (absent: nothing)
#   expected.status   its exit status (absent: 0)
#   args              extra generator arguments, e.g. --user (optional)
# The input directory's real path is written as /etc/berth in the comparison, so expectations read like
# a real system. Every generated unit must also pass `systemd-analyze verify`.
# BERTH_UPDATE_GOLDEN=1 rewrites the expectations from the current output (review the diff!).
# Usage: generator-golden.sh [CASE...]
source "$(dirname "$0")/../lib/tap.sh"

cases_dir=$TOP/tests/generator/cases
gen=$BERTH_BUILD/berth-generator
[ -x "$gen" ] || skip_all "no $gen (build first)"
have_verify=$(command -v systemd-analyze || true)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Fixed locations so the expected units do not depend on the build or the environment.
run_generator() { # input_dir output_dir runtime cli args...
        local in=$1 out=$2 runtime=$3 cli=$4
        shift 4
        env -u XDG_RUNTIME_DIR -u XDG_CONFIG_HOME HOME=/nonexistent \
                BERTH_UNIT_DIRS="$in" BERTH_RUNTIME="$runtime" BERTH_CLI="$cli" \
                BERTH_STATE_DIR=/var/lib/berth BERTH_STORAGE_DIR=/var/lib/berth/storage BERTH_RUN_DIR=/run/berth \
                BERTH_CONFIG_DIR=/etc/berth BERTH_LOG_LEVEL=info \
                "$gen" --no-kmsg-log "$@" "$out"
}

# Replaces the temporary input path with /etc/berth in every regular file below $1 and in $2.
normalize() {
        local tree=$1 stderr=$2 in=$3
        # and the output directory, which units name for their private files, as systemd's
        find "$tree" -type f -exec sed -i -e "s|$in|/etc/berth|g" -e "s|$tree|/run/systemd/generator|g" {} +
        sed -i "s|$in|/etc/berth|g" "$stderr"
}

verify_units() { # dir
        local dir=$1 u out rc=0
        for u in "$dir"/*.service; do
                [ -f "$u" ] && [ ! -L "$u" ] || continue
                out=$(SYSTEMD_UNIT_PATH="$dir:" systemd-analyze verify --man=no "$u" 2>&1) || rc=1
                if [ -n "$out" ]; then
                        printf '%s\n' "$out" | sed 's/^/#   /'
                        rc=1
                fi
        done
        return $rc
}

run_case() {
        local name=$1 c=$cases_dir/$1 w=$work/$1 args=() status=0 want_status=0
        mkdir -p "$w/out" "$w/verify"
        cp -a "$c/input" "$w/in"
        [ -f "$c/args" ] && read -r -a args <"$c/args"
        run_generator "$w/in" "$w/out" /usr/libexec/berth/berth-runtime /usr/bin/berth "${args[@]}" \
                >"$w/stdout" 2>"$w/stderr" || status=$?
        normalize "$w/out" "$w/stderr" "$w/in"

        if [ -n "${BERTH_UPDATE_GOLDEN:-}" ]; then
                rm -rf "$c/expected" "$c/expected.stderr" "$c/expected.status"
                cp -a "$w/out" "$c/expected"
                [ -s "$w/stderr" ] && cp "$w/stderr" "$c/expected.stderr"
                [ "$status" -ne 0 ] && echo "$status" >"$c/expected.status"
                diag "$name: expectations rewritten"
        fi

        [ -f "$c/expected.status" ] && want_status=$(cat "$c/expected.status")
        check "$name: output tree" diff -r --no-dereference "$c/expected" "$w/out"
        check "$name: stderr" diff -u "${c}/expected.stderr" "$w/stderr" --label expected.stderr --label stderr \
                --new-file
        check "$name: exit status $want_status" test "$status" -eq "$want_status"

        if [ -n "$have_verify" ]; then
                # Verify needs the executables to exist: point the units at /bin/true.
                run_generator "$w/in" "$w/verify" /bin/true /bin/true "${args[@]}" >/dev/null 2>&1 || true
                check "$name: systemd-analyze verify" verify_units "$w/verify"
        fi
}

if [ $# -gt 0 ]; then
        names=("$@")
else
        names=()
        for d in "$cases_dir"/*/; do names+=("$(basename "$d")"); done
fi
for n in "${names[@]}"; do
        run_case "$n"
done

# --dryrun prints every unit under a ---NAME--- header and writes nothing.
mkdir -p "$work/dry"
printf '[Container]\nImage=localhost/busybox\n' >"$work/dry/hello.container"
check_output "--dryrun prints the unit" "---hello.service---" \
        env BERTH_UNIT_DIRS="$work/dry" "$gen" --dryrun
check_fails "no output directory is an error" env BERTH_UNIT_DIRS="$work/dry" "$gen" --no-kmsg-log
check "no definitions at all is fine" env BERTH_UNIT_DIRS="$work/nothing-here" "$gen" --no-kmsg-log "$work/dry"

[ -z "$have_verify" ] && diag "systemd-analyze not found: units were not verified"
done_testing
