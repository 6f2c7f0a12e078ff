#!/bin/bash
# make demo: shows berth end to end on this machine, touching nothing of the host.
# It imports a busybox image into a temporary store, boots a throwaway systemd with berth installed
# (systemd-nspawn on the host's own /usr, read-only, on a private network), puts
# docs/examples/hello.container and web.container into its /etc/berth, and shows what systemd
# made of them. Everything is removed at the end, also on Ctrl-C.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
: "${BERTH_BUILD:=$TOP/build}"
. tests/lib/tap.sh # diag and TAP_FAILED, which makes teardown print the journal after a failure
. tests/lib/fixtures.sh
. tests/lib/nspawn.sh

if [ -t 1 ]; then
        B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' D=$'\e[2m' N=$'\e[0m'
else
        B= G= R= D= N=
fi
STEP=0
section() {
        STEP=$((STEP + 1))
        printf '\n%s== %d. %s ==%s\n' "$B" "$STEP" "$1" "$N"
        [ $# -gt 1 ] && printf '%s\n' "$2"
        return 0
}
# show CMD...: prints the command as typed, then runs it.
show() {
        printf '%s$ %s%s\n' "$D" "$*" "$N"
        "$@"
}
# shown inside the container
show_in() {
        printf '%s[container]$ %s%s\n' "$D" "$*" "$N"
        nspawn_run "$@"
}
fail() {
        printf '%sdemo: %s%s\n' "$R" "$*" "$N" >&2
        TAP_FAILED=$((TAP_FAILED + 1))
}
die() {
        fail "$@"
        exit 1
}

[ "$(id -u)" -eq 0 ] || die "run me as root (systemd-nspawn needs it): sudo make demo"
command -v systemd-nspawn >/dev/null || die "systemd-nspawn is missing: apt-get install systemd-container"
for p in berth berth-runtime berth-generator berthd; do
        [ -x "$BERTH_BUILD/$p" ] || die "$BERTH_BUILD/$p is not built: run make first"
done

printf '%sberth demo%s: containers as ordinary systemd services.\n' "$B" "$N"
printf 'Everything happens in a temporary directory and a throwaway container; the host is not touched.\n'

nspawn_prepare || die "cannot create a temporary directory"
STORE=$NSPAWN_DIR/storage
ETC=$NSPAWN_DIR/etc-berth
mkdir -p "$STORE" "$ETC"

section "An image" "berth keeps images in a content-addressed store. Here: a busybox root as a tarball."
make_busybox_tar "$NSPAWN_DIR/busybox.tar" || die "cannot build the busybox tarball (is busybox-static installed?)"
export BERTH_STORAGE_DIR=$STORE
show "$BERTH_BUILD/berth" image import "$NSPAWN_DIR/busybox.tar" localhost/busybox || die "the import failed"
show "$BERTH_BUILD/berth" image ls || fail "berth image ls failed"
unset BERTH_STORAGE_DIR

section "Two definitions" "Files in /etc/berth use Podman Quadlet's keys. These two go into the container's /etc/berth:"
cp docs/examples/hello.container docs/examples/web.container "$ETC/"
show cat "$ETC/hello.container"
echo
show cat "$ETC/web.container"

section "Boot a systemd with berth installed" \
        "systemd-nspawn boots the host's own OS, read-only, with berth in /usr/local and a private network."
NSPAWN_ETC_BERTH=$ETC NSPAWN_STORAGE=$STORE
nspawn_boot || die "the container did not boot"
printf '%sbooted in %d ms%s; at boot berth-generator turned each file into a unit and systemd started them.\n' \
        "$G" "$NSPAWN_BOOT_MS" "$N"

unit_active() { [ "$(nspawn_run systemctl is-active "$1")" = active ]; }
hello_lines() { [ "$(nspawn_journal -u hello.service -o cat | grep -c 'hello from berth')" -ge "$1" ]; }
wait_until 20 unit_active hello.service || fail "hello.service did not become active"

section "The generated unit" "Nothing hidden: the unit spells out the whole container on ExecStart=."
show_in systemctl cat hello.service

section "systemd runs it" "berth-runtime is the unit's main process; the payload runs in the payload/ sub-cgroup."
wait_until 10 hello_lines 3 || fail "hello.service printed fewer than 3 lines within 10 s"
show_in systemctl status hello.service --no-pager --lines=0
echo

section "Its output is in the journal"
show_in journalctl -u hello.service --no-pager -n 5

section "A web server, checked with wget" "web.container shares the (private) network of the systemd container."
wait_until 20 unit_active web.service || fail "web.service did not become active"
page() { nspawn_run wget -qO- http://127.0.0.1:8080/ 2>/dev/null | grep -q 'hello from a berth web server'; }
wait_until 10 page || fail "no answer from 127.0.0.1:8080"
show_in wget -qO- http://127.0.0.1:8080/ || fail "wget failed"

section "The D-Bus API" "berthd starts on the first call and lists the store's images."
show_in busctl call org.berth1 /org/berth1 org.berth1.Manager ListImages || fail "berthd did not answer"

section "Stop" "systemctl stop: the runtime signals the container and removes its overlay, cgroups and state."
show_in systemctl stop hello.service web.service || fail "systemctl stop failed"
show_in systemctl is-active hello.service web.service

section "Tear down"
nspawn_stop
printf 'The container, its mounts and the temporary store are gone.\n'

echo
if [ "$TAP_FAILED" -gt 0 ]; then
        printf '%sThe demo hit %d problem(s); see the messages above.%s\n' "$R" "$TAP_FAILED" "$N"
        exit 1
fi
printf '%sThat was berth.%s Read more:\n' "$G" "$N"
printf '  README.md              what berth is, how to install it on a systemd host\n'
printf '  docs/ARCHITECTURE.md   the path of a container from a file to a process\n'
printf '  docs/examples/         the definition files used here\n'
printf '  man/                   %s\n' "$(cd man && ls | sed -E 's/^(.*)\.([0-9])$/\1(\2)/' | paste -sd' ')"
printf '                         read one with e.g. man -l man/berthd.8\n'
printf '  make check             every test, including this path under a real systemd\n'
