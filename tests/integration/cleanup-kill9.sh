#!/bin/bash
# After kill -9 of a container unit's main process nothing of the container stays (issue 16, item 8):
# the unit's ExecStopPost=berth-runtime cleanup removes its DNAT rules, address lease, veth and its
# state under /run/berth and /var/lib/berth, for a generated unit and a `berth run` one.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"

IMAGE=localhost/busybox
nspawn_prepare
mkdir -p "$NSPAWN_DIR/etc-berth"
printf '[Network]\nSubnet=10.91.0.0/24\n' >"$NSPAWN_DIR/etc-berth/k9.network"
cat >"$NSPAWN_DIR/etc-berth/k9web.container" <<'EOF2'
[Container]
Image=localhost/busybox
Network=k9.network
PublishPort=127.0.0.1:8091:80
Exec=httpd -f -p 80
EOF2
nspawn_import_image $IMAGE
NSPAWN_ETC_BERTH=$NSPAWN_DIR/etc-berth
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

leftovers() { # name: prints what the container left behind
        nspawn_run sh -c "nft list ruleset 2>/dev/null | grep 'berth-ctr:k9/$1'; ls /run/berth/networks/k9/$1.json \
                /run/berth/containers/$1 /run/berth/containers/.$1.lock /var/lib/berth/containers/$1 2>/dev/null"
}
nothing_left() { [ -z "$(leftovers "$1")" ]; }
kill9_main() { # unit
        local pid
        pid=$(nspawn_run systemctl show -P MainPID "$1")
        [ -n "$pid" ] && [ "$pid" != 0 ] && nspawn_run kill -9 "$pid"
}

check "the generated unit with a published port starts" nspawn_run systemctl start k9web.service
check_output "... its DNAT rule is there" "berth-ctr:k9/k9web" nspawn_run nft list ruleset
check "kill -9 of its main process" kill9_main k9web.service
sleep 2
check "2 s later nothing is left (rules, lease, state, upper dir)" nothing_left k9web
leftovers k9web | sed 's/^/# left: /'

check "berth run -d --rm --network k9 -p ... starts" nspawn_run_timeout 60 berth run -d --rm --name k9run --network k9 \
        -p 127.0.0.1:8092:80 $IMAGE httpd -f -p 80
check_output "... its DNAT rule is there" "berth-ctr:k9/k9run" nspawn_run nft list ruleset
check "kill -9 of its main process" kill9_main berth-k9run.service
sleep 2
check "2 s later nothing is left" nothing_left k9run
leftovers k9run | sed 's/^/# left: /'

check "the unit starts again" nspawn_run systemctl start k9web.service
check "berth-runtime cleanup while it runs succeeds" nspawn_run /usr/local/libexec/berth/berth-runtime cleanup --name=k9web --network=k9
check_output "... its rule stays" "berth-ctr:k9/k9web" nspawn_run nft list ruleset
nspawn_run systemctl stop k9web.service
check "... and a stop leaves nothing" nothing_left k9web

done_testing
