#!/bin/bash
# Golden tests of `berth compose config`. Each tests/compose/CASE/ holds
#   input/           the project directory (compose.yaml, .env, other files), the working directory
#   args             arguments before "config" (optional): -f a.yaml -f b.yaml --profile x ...
#   env              KEY=VALUE lines for the process environment (optional)
#   expected         stdout: the normalised project
#   expected.stderr  warnings and errors (absent: nothing)
#   expected.status  the exit status (absent: 0)
# The project directory's real path reads /project in the comparison.
# BERTH_UPDATE_GOLDEN=1 rewrites the expectations from the current output (review the diff!).
# Usage: compose-config.sh [CASE...]
source "$(dirname "$0")/../lib/tap.sh"

cases_dir=$TOP/tests/compose
berth=$BERTH_BUILD/berth
[ -x "$berth" ] || skip_all "no $berth (build first)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_case() {
        local name=$1 c=$cases_dir/$1 w=$work/$1/project args=() envs=() status=0 want_status=0
        mkdir -p "$work/$1"
        cp -a "$c/input" "$w"
        [ -f "$c/args" ] && read -r -a args <"$c/args"
        [ -f "$c/env" ] && mapfile -t envs <"$c/env"
        (cd "$w" && env -i PATH="$PATH" HOME=/nonexistent "${envs[@]}" "$berth" compose "${args[@]}" config) \
                >"$work/$1/stdout" 2>"$work/$1/stderr" || status=$?
        sed -i "s|$w|/project|g" "$work/$1/stdout" "$work/$1/stderr"

        if [ -n "${BERTH_UPDATE_GOLDEN:-}" ]; then
                rm -f "$c/expected" "$c/expected.stderr" "$c/expected.status"
                cp "$work/$1/stdout" "$c/expected"
                [ -s "$work/$1/stderr" ] && cp "$work/$1/stderr" "$c/expected.stderr"
                [ "$status" -ne 0 ] && echo "$status" >"$c/expected.status"
                diag "$name: expectations rewritten"
        fi
        [ -f "$c/expected.status" ] && want_status=$(cat "$c/expected.status")
        check "$name: output" diff -u "$c/expected" "$work/$1/stdout" --label expected --label stdout
        check "$name: stderr" diff -u "$c/expected.stderr" "$work/$1/stderr" --label expected.stderr \
                --label stderr --new-file
        check "$name: exit status $want_status" test "$status" -eq "$want_status"
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
done_testing
