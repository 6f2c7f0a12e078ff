#!/bin/bash
# berth-generator's search paths (system and user), reruns into the same directory, and `berth check`
# giving the generator's messages and exit status. Needs no root: every location is moved with
# BERTH_* and XDG_* variables into a temporary directory.
source "$(dirname "$0")/../lib/tap.sh"
gen=$BERTH_BUILD/berth-generator
berth=$(realpath -m "$BERTH_BUILD/berth")
[ -x "$gen" ] || skip_all "no $gen"

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
def() { # path image
        mkdir -p "$(dirname "$1")"
        printf '[Container]\nImage=%s\n' "$2" >"$1"
}
units() { # dir: the generated unit names, sorted, one line
        (cd "$1" && find . -maxdepth 1 -name '*.service' -printf '%f\n' | sort | tr '\n' ' ')
}
image_of() { # unit file: the image argument
        sed -n 's/^ExecStart=.* \([^ ]*\)$/\1/p' "$1"
}

# --- system search path: BERTH_RUN_DIR (top level only), BERTH_CONFIG_DIR (recursive, without users/)
def "$t/run/same.container" localhost/from-run
def "$t/run/state/c1/deep.container" localhost/runtime-state
def "$t/etc/same.container" localhost/from-etc
def "$t/etc/sub/etc-only.container" localhost/etc
def "$t/etc/users/user-only.container" localhost/user
mkdir -p "$t/out"
sys_env=(env -u BERTH_UNIT_DIRS BERTH_RUN_DIR="$t/run" BERTH_CONFIG_DIR="$t/etc")
check "system generator runs" "${sys_env[@]}" "$gen" --no-kmsg-log "$t/out"
check_output "system: run and config dirs, no users/, no runtime state" "etc-only.service same.service " \
        units "$t/out"
check_output "system: /run wins over /etc" "localhost/from-run" image_of "$t/out/same.service"

# --- user search path: XDG_RUNTIME_DIR/berth, XDG_CONFIG_HOME/berth, CONFIG/users, CONFIG/users/UID
uid=$(id -u)
other=$((uid + 1))
def "$t/xdg-run/berth/rt.container" localhost/rt
def "$t/xdg-config/berth/same.container" localhost/from-xdg-config
def "$t/etc/users/same.container" localhost/from-users
def "$t/etc/users/group/in-subdir.container" localhost/subdir
def "$t/etc/users/$uid/mine.container" localhost/mine
def "$t/etc/users/$other/theirs.container" localhost/theirs
user_env=(env -u BERTH_UNIT_DIRS BERTH_RUN_DIR="$t/run" BERTH_CONFIG_DIR="$t/etc" XDG_RUNTIME_DIR="$t/xdg-run"
        XDG_CONFIG_HOME="$t/xdg-config")
mkdir -p "$t/user-out"
check "user generator runs (--user)" "${user_env[@]}" "$gen" --no-kmsg-log --user "$t/user-out"
check_output "user: the user's dirs, users/ and users/UID, not another UID" \
        "in-subdir.service mine.service rt.service same.service user-only.service " units "$t/user-out"
check_output "user: XDG config wins over /etc/berth/users" "localhost/from-xdg-config" image_of "$t/user-out/same.service"
check_fails "user: no network-online.target" grep -q network-online "$t/user-out/mine.service"

ln -s "$(realpath "$gen")" "$t/berth-user-generator"
mkdir -p "$t/user-out2"
check "user mode from the program name" "${user_env[@]}" "$t/berth-user-generator" --no-kmsg-log "$t/user-out2"
check "program name and --user give the same units" diff -r "$t/user-out" "$t/user-out2"

# --- reruns replace units and links in place, leaving no temporary files
mkdir -p "$t/defs" "$t/rerun"
printf '[Container]\nImage=localhost/one\n[Install]\nWantedBy=multi-user.target\nAlias=other.service\n' \
        >"$t/defs/app.container"
check "first run" env BERTH_UNIT_DIRS="$t/defs" "$gen" --no-kmsg-log "$t/rerun"
sed -i 's/one/two/' "$t/defs/app.container"
check "second run into the same directory" env BERTH_UNIT_DIRS="$t/defs" "$gen" --no-kmsg-log "$t/rerun"
check_output "the unit was replaced" "localhost/two" image_of "$t/rerun/app.service"
check_output "links are in place" "../app.service" readlink "$t/rerun/multi-user.target.wants/app.service"
check_output "no temporary files left" "" sh -c "find '$t/rerun' -name '*tmp*' | head -1; echo"

# --- a broken file: exit status 1, the good one is written, the broken one fails when started
printf '[Container]\nImage=localhost/x\nPublishPorts=80:80\n' >"$t/defs/broken.container"
mkdir -p "$t/broken-out"
check_fails "a broken file gives exit status 1" env BERTH_UNIT_DIRS="$t/defs" "$gen" --no-kmsg-log "$t/broken-out"
check "the good unit is still written" test -s "$t/broken-out/app.service"
check_output "the broken unit shows the message" \
        "Description=berth: $t/defs/broken.container:3: PublishPorts=: Unknown key in [Container]; did you mean PublishPort=?" \
        cat "$t/broken-out/broken.service"
check_fails "the broken unit's command fails" sh -c "$(sed -n 's/^ExecStart=//p' "$t/broken-out/broken.service" | tr '\n' ';')"

# --- berth check: same code, same messages, same exit status
if [ -x "$berth" ]; then
        check_output "check: a good file" "$t/defs/app.container: OK (app.service)" "$berth" check "$t/defs/app.container"
        gen_msg=$(env BERTH_UNIT_DIRS="$t/defs" "$gen" --no-kmsg-log "$t/broken-out" 2>&1 >/dev/null | sed 's/^berth-generator: //')
        check_output "check: the generator's message" "$gen_msg" "$berth" check "$t/defs/broken.container"
        check_fails "check: exit status 1 for a broken file" "$berth" check "$t/defs/app.container" "$t/defs/broken.container"
        printf '[Network]\n' >"$t/defs/backend.network"
        printf '[Container]\nImage=a\nNetwork=backend.network\n' >"$t/defs/uses-net.container"
        check "check: references to neighbours resolve" "$berth" check "$t/defs/uses-net.container"
        mkdir -p "$t/defs/uses-net.container.d"
        printf '[Container]\nNetwork=backend2.network\n' >"$t/defs/uses-net.container.d/10-net.conf"
        check_output "check: drop-ins are read, errors name them" \
                "$t/defs/uses-net.container.d/10-net.conf:2: Network=: No definition file backend2.network was found; did you mean backend.network?" \
                "$berth" check "$t/defs/uses-net.container"
        (cd "$t/defs" && check "check: relative file names" "$berth" check app.container)
        check_output "check: not a definition file" "not a definition file" "$berth" check "$t/defs/app.txt"
fi
# --- berth check with no file: the generator's search path, found as the generator finds it ---
check_output "berth check alone checks every definition the system generator reads" "etc-only.container: OK" \
        "${sys_env[@]}" "$berth" check
mkdir -p "$t/bad-dir"
printf '[Container]\nImage=localhost/x\nPull=bogus\n' >"$t/bad-dir/bad.container"
printf '[Container]\nImage=localhost/x\n' >"$t/bad-dir/fine.container"
check_output "... names a bad one with file, line and key" "bad.container:3: Pull=" env BERTH_UNIT_DIRS="$t/bad-dir" "$berth" check
check_fails "... and exits non-zero" env BERTH_UNIT_DIRS="$t/bad-dir" "$berth" check
check_output "... the good ones are still reported" "fine.container: OK" env BERTH_UNIT_DIRS="$t/bad-dir" "$berth" check
done_testing
