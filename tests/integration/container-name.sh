#!/bin/bash
# One container-name rule (lib/object-name.c): berth run --name, berth-runtime --name, ContainerName= and
# the unit name in berth check and the generator give a name the same verdict. 128 characters pass,
# 150 are refused by each with the same message, before anything is started.
set -u
. "$(dirname "$0")/../lib/tap.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BERTH_RUN_DIR=$work/run BERTH_STATE_DIR=$work/state BERTH_STORAGE_DIR=$work/storage \
        BERTH_CONFIG_DIR=$work/etc BERTH_UNIT_DIRS=$work/defs
mkdir -p "$work/defs" "$work/gen"
long=$(printf 'a%.0s' $(seq 150))
ok=$(printf 'b%.0s' $(seq 128))
rule="at most 128 characters"

for name in "$long" "$ok"; do
        len=${#name}
        printf '[Container]\nImage=localhost/none\nContainerName=%s\n' "$name" >"$work/defs/named.container"
        out=$("$BERTH_BUILD/berth" run --name "$name" localhost/none true 2>&1)
        rc_run=$?
        out_rt=$("$BERTH_BUILD/berth-runtime" supervise --name="$name" localhost/none true 2>&1)
        out_check=$("$BERTH_BUILD/berth" check "$work/defs/named.container" 2>&1) && rc_check=0 || rc_check=$?
        rm -rf "$work/gen"/*
        out_gen=$("$BERTH_BUILD/berth-generator" --no-kmsg-log "$work/gen" 2>&1)
        if [ "$len" -gt 128 ]; then
                check_output "berth run --name of $len characters is refused by the rule" "$rule" echo "$out"
                check "... with Docker's exit code 125" test "$rc_run" -eq 125
                check_output "berth-runtime --name of $len characters is refused by the rule" "$rule" echo "$out_rt"
                check "berth check refuses ContainerName= of $len characters" test "$rc_check" -ne 0
                check_output "... naming file, line and key" "named.container:3: ContainerName=: Invalid container name" \
                        echo "$out_check"
                check_output "the generator refuses it too, with the same message" "$rule" echo "$out_gen"
        else
                check_fails "berth run --name of $len characters passes the rule" grep -q "Invalid container name" <<<"$out"
                check_fails "berth-runtime --name of $len characters passes the rule" grep -q "Invalid container name" <<<"$out_rt"
                check "berth check accepts ContainerName= of $len characters" test "$rc_check" -eq 0
                check_fails "the generator accepts it" grep -q "Invalid container name" <<<"$out_gen"
        fi
done

# Without ContainerName= the unit's name is the container's: a file name the runtime would refuse is
# refused when read.
rm -f "$work/defs/named.container"
printf '[Container]\nImage=localhost/none\n' >"$work/defs/$long.container"
out=$("$BERTH_BUILD/berth" check "$work/defs/$long.container" 2>&1) && rc=0 || rc=$?
check "berth check refuses a .container whose name is not a valid container name" test "$rc" -ne 0
check_output "... and says to set ContainerName=" "set ContainerName=" echo "$out"

done_testing
